namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// A measured GEMM time over its row count (tokens, or sequences for the LM head), read as a staircase: between
/// two measured counts the time is that of the larger one.
/// </summary>
/// <remarks>
/// Tensor-core GEMM kernels cover the rows in whole tiles whose height is a multiple of 16, so their time is
/// constant between tile boundaries and jumps just past each one (the LLMServingSim RTX PRO 6000 table: gate_up_proj
/// 330 µs at 512 tokens, 365 µs at 528 and 370 µs at 640). The profiles measure every 16 tokens above 64 and more
/// finely below, so each tile boundary is a measured point and a count between two points pays for the upper one.
/// Linear interpolation would spread the jump over the 16 tokens after it and undercharge exactly the counts that
/// just open a tile (513 tokens costs what 528 does, not what 512 does). Elementwise operators keep linear
/// interpolation: their time grows with every token. Past the last measured count the table's own extrapolation
/// applies.
/// </remarks>
public sealed class TileQuantizedTable
{
    private readonly GridInterpolator _table;
    private readonly double[] _rows;

    public TileQuantizedTable(GridInterpolator table)
    {
        if (table.Axes.Length != 1) throw new ArgumentException($"{table.Name}: a tile-quantized table has one axis (rows), not {table.Axes.Length}.");
        _table = table;
        _rows = table.Points.Select(p => p.Key[0]).Distinct().Order().ToArray();
    }

    public double Evaluate(double rows)
    {
        int i = Array.BinarySearch(_rows, rows);
        if (i < 0) i = ~i;
        return _table.Evaluate(i < _rows.Length ? _rows[i] : rows);
    }

    /// <summary>Whether an LLMServingSim operator is a GEMM over the step's rows (the projections and the LM head).</summary>
    public static bool IsGemm(string op) => op.EndsWith("_proj", StringComparison.Ordinal) || op == "lm_head";
}
