namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// LLMServingSim's earlier H100 tables (<c>profiler/v0/perf_models/H100/&lt;model&gt;/tp&lt;N&gt;/</c>):
/// <c>layers.csv</c> (<c>layer_name,input,kv_cache,tp_size,latency(ns)</c>: each layer operator at every token count
/// from 1 to 2,048) and, where present, a Vidur-format <c>attention.csv</c> (ms). One table per layer operator, by
/// (<c>tp_size</c>, <c>kv_cache</c>, <c>input</c>), plus the attention's prefill and decode tables.
/// </summary>
public sealed class LlmServingSimV0Profile : IOperatorProfile
{
    private LlmServingSimV0Profile(string source, int tp, IReadOnlyDictionary<string, GridInterpolator> layers, VidurProfile? attention, IReadOnlyList<ProfileTable> tables)
    {
        Source = source;
        TensorParallel = tp;
        Layers = layers;
        Attention = attention;
        Tables = tables;
    }

    public string Source { get; }
    public string Format => "llmservingsim-v0";
    public int TensorParallel { get; }
    public IReadOnlyList<ProfileTable> Tables { get; }
    /// <summary>Per-operator tables (seconds) by (TP, KV length, input tokens), keyed by layer name.</summary>
    public IReadOnlyDictionary<string, GridInterpolator> Layers { get; }
    /// <summary>The Vidur-format attention table beside <c>layers.csv</c>, if any.</summary>
    public VidurProfile? Attention { get; }

    /// <summary>Reads <c>layers.csv</c> (and <c>attention.csv</c> when present) from a TP folder.</summary>
    public static LlmServingSimV0Profile Read(string dir)
    {
        var path = Path.Combine(dir, "layers.csv");
        var csv = CsvTable.Read(path);
        int name = csv.Column("layer_name"), input = csv.Column("input"), kv = csv.Column("kv_cache"), tp = csv.Column("tp_size"), t = csv.Column("latency(ns)");
        var layers = new Dictionary<string, GridInterpolator>(StringComparer.Ordinal);
        var tables = new List<ProfileTable>();
        foreach (var g in csv.Rows.GroupBy(r => csv.Text(r.Line, r.Cells, name)))
        {
            // Input tokens last: the profiler steps it by one, so it is the axis the simulator interpolates along.
            var grid = ProfileReader.Grid($"layers.csv:{g.Key}", ["tp_size", "kv_cache", "input"],
                g.Select(r => (new[] { csv.Number(r.Line, r.Cells, tp), csv.Number(r.Line, r.Cells, kv), csv.Number(r.Line, r.Cells, input) },
                    csv.Time(r.Line, r.Cells, t) * 1e-9)));
            layers[g.Key] = grid;
            tables.Add(new ProfileTable(path, grid.Name, grid));
        }
        if (layers.Count == 0) throw new ProfileFormatException(path, null, "no rows");
        VidurProfile? attention = null;
        var attentionPath = Path.Combine(dir, "attention.csv");
        if (File.Exists(attentionPath))
        {
            attention = VidurProfile.Read(attentionPath);
            tables.AddRange(attention.Tables);
        }
        return new LlmServingSimV0Profile(dir, ProfileReader.TensorParallelOf(dir), layers, attention, tables);
    }
}
