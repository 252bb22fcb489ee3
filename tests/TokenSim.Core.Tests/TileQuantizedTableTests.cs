using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.Tests;

public class TileQuantizedTableTests
{
    private static GridInterpolator Table(params (double Rows, double Us)[] points) =>
        new("gemm", ["tokens"], points.Select(p => (new[] { p.Rows }, p.Us)));

    [Fact]
    public void BetweenMeasuredCounts_TheUpperCountIsPaid()
    {
        // A tile riser just past 512: 513..528 cost what 528 does (one more tile of rows), not a 1/16 share of the jump.
        var t = new TileQuantizedTable(Table((496, 328.7), (512, 330.5), (528, 365.0), (544, 364.9)));
        Assert.Equal(330.5, t.Evaluate(512));
        Assert.Equal(365.0, t.Evaluate(513));
        Assert.Equal(365.0, t.Evaluate(520));
        Assert.Equal(364.9, t.Evaluate(529));
        Assert.Equal(328.7, t.Evaluate(1));      // below the grid: the first measured count
        Assert.Equal(364.9, t.Evaluate(600));    // past the grid: the table's own extrapolation, never downward
    }

    [Fact]
    public void OnlyProjectionsAndTheLmHead_AreGemms()
    {
        Assert.True(TileQuantizedTable.IsGemm("qkv_proj"));
        Assert.True(TileQuantizedTable.IsGemm("gate_up_proj"));
        Assert.True(TileQuantizedTable.IsGemm("lm_head"));
        Assert.False(TileQuantizedTable.IsGemm("layernorm"));
        Assert.False(TileQuantizedTable.IsGemm("act_fn"));
        Assert.False(TileQuantizedTable.IsGemm("sampler"));
        Assert.Throws<ArgumentException>(() => new TileQuantizedTable(new GridInterpolator("2d", ["a", "b"], [(new[] { 1.0, 1.0 }, 1.0)])));
    }

    [Fact]
    public void ProfileModel_ChargesTheTileOpenedOneTokenPast512()
    {
        var dir = TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");
        var spec = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048 }, "llama-3.1-8b", "rtx-pro-6000");
        var model = new ProfileExecutionTimeModel(spec, LlmServingSimProfile.Read(dir, 1));
        // dense.csv, µs at 512 → 528 tokens: qkv 92.8 → 98.036, o 67.307 → 70.005, gate_up 330.485 → 364.971, down 180.427 → 198.196.
        // gate_up alone over 32 layers: 32 × 34.486 µs = 1.104 ms, which 513 tokens must already pay.
        Assert.True(model.DenseSeconds(513) - model.DenseSeconds(512) > 32 * 34.486e-6);
        // At a measured count nothing changes: 528 tokens cost the same whether reached from below or read directly.
        Assert.Equal(model.DenseSeconds(528) - model.DenseSeconds(513), EltwiseDelta(dir, 513, 528), 9);
    }

    /// <summary>The elementwise operators' growth from <paramref name="a"/> to <paramref name="b"/> tokens: all that differs once the GEMMs sit on one tile count.</summary>
    private static double EltwiseDelta(string dir, int a, int b)
    {
        var p = LlmServingSimProfile.Read(dir, 1);
        double d = 0;
        foreach (var (op, t) in p.Dense)
        {
            if (TileQuantizedTable.IsGemm(op)) continue;
            double k = op is "embedding" or "final_layernorm" ? 1 : op == "layernorm" ? 64 : 32;
            d += k * (t.Evaluate(b) - t.Evaluate(a));
        }
        return d;
    }
}
