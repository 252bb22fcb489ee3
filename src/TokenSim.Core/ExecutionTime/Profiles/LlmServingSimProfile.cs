namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// LLMServingSim's in-engine vLLM profiles (<c>profiler/perf/&lt;GPU&gt;/&lt;model&gt;/&lt;dtype&gt;/tp&lt;N&gt;/</c>), times in µs:
/// <c>dense.csv</c> (<c>layer,tokens,time_us</c>: one decoder layer's operators by token count, plus the
/// once-per-step embedding and final norm), <c>attention.csv</c> (<c>prefill_chunk,kv_prefill,n_decode,kv_decode,time_us</c>:
/// one layer's attention for a mixed batch), <c>per_sequence.csv</c> (<c>layer,sequences,time_us</c>: LM head and
/// sampler by sampled rows), and for MoE models <c>moe.csv</c> (<c>tokens,activated_experts,time_us</c>).
/// </summary>
public sealed class LlmServingSimProfile : IOperatorProfile
{
    private LlmServingSimProfile(string source, int tp, Dictionary<string, GridInterpolator> dense, GridInterpolator attention,
        Dictionary<string, GridInterpolator> perSequence, GridInterpolator? moe)
    {
        Source = source;
        TensorParallel = tp;
        Dense = dense;
        Attention = attention;
        PerSequence = perSequence;
        Moe = moe;
        var tables = new List<ProfileTable>();
        tables.AddRange(dense.Select(kv => new ProfileTable(Path.Combine(source, "dense.csv"), $"dense.csv:{kv.Key}", kv.Value)));
        tables.Add(new ProfileTable(Path.Combine(source, "attention.csv"), "attention.csv", attention));
        tables.AddRange(perSequence.Select(kv => new ProfileTable(Path.Combine(source, "per_sequence.csv"), $"per_sequence.csv:{kv.Key}", kv.Value)));
        if (moe is not null) tables.Add(new ProfileTable(Path.Combine(source, "moe.csv"), "moe.csv", moe));
        Tables = tables;
    }

    public string Source { get; }
    public string Format => "llmservingsim";
    public int TensorParallel { get; }
    public IReadOnlyList<ProfileTable> Tables { get; }

    /// <summary>Per-operator tables by token count (seconds), keyed by operator name.</summary>
    public IReadOnlyDictionary<string, GridInterpolator> Dense { get; }
    /// <summary>One layer's attention (seconds) by (prefill chunk tokens, prefill KV, decodes, decode KV).</summary>
    public GridInterpolator Attention { get; }
    public IReadOnlyDictionary<string, GridInterpolator> PerSequence { get; }
    public GridInterpolator? Moe { get; }

    /// <summary>True when <paramref name="dir"/> is one TP folder of this format, or the dtype folder above the TP folders.</summary>
    public static bool Detect(string dir) =>
        File.Exists(Path.Combine(dir, "dense.csv")) && File.Exists(Path.Combine(dir, "attention.csv")) ||
        Directory.Exists(dir) && Directory.EnumerateDirectories(dir, "tp*").Any(d => File.Exists(Path.Combine(d, "dense.csv")));

    /// <summary>Reads the profile for <paramref name="tp"/> from a TP folder or from the dtype folder holding <c>tp&lt;N&gt;/</c>.</summary>
    public static LlmServingSimProfile Read(string dir, int tp)
    {
        string folder = File.Exists(Path.Combine(dir, "dense.csv")) ? dir : Path.Combine(dir, $"tp{tp}");
        if (!Directory.Exists(folder))
        {
            var have = Directory.Exists(dir) ? string.Join(", ", Directory.EnumerateDirectories(dir, "tp*").Select(Path.GetFileName)) : "none";
            throw new ArgumentException($"{dir}: no LLMServingSim profile for TP={tp} (have: {have}).");
        }
        var dense = ReadByName(Path.Combine(folder, "dense.csv"), "layer", "tokens");
        var perSeq = ReadByName(Path.Combine(folder, "per_sequence.csv"), "layer", "sequences");
        var att = CsvTable.Read(Path.Combine(folder, "attention.csv"));
        int c = att.Column("prefill_chunk"), kp = att.Column("kv_prefill"), n = att.Column("n_decode"), kd = att.Column("kv_decode"), t = att.Column("time_us");
        // Axis order: the last axis is the one leave-one-out interpolates along within a slice; decode KV length
        // is the smoothest (attention time is affine in KV read), so it goes last.
        var attention = ProfileReader.Grid("attention.csv", ["prefill_chunk", "kv_prefill", "n_decode", "kv_decode"],
            att.Rows.Select(r => (new[] { att.Number(r.Line, r.Cells, c), att.Number(r.Line, r.Cells, kp), att.Number(r.Line, r.Cells, n), att.Number(r.Line, r.Cells, kd) },
                att.Time(r.Line, r.Cells, t) * 1e-6)));
        GridInterpolator? moe = null;
        var moePath = Path.Combine(folder, "moe.csv");
        if (File.Exists(moePath))
        {
            var m = CsvTable.Read(moePath);
            int mt = m.Column("tokens"), me = m.Column("activated_experts"), mu = m.Column("time_us");
            moe = ProfileReader.Grid("moe.csv", ["tokens", "activated_experts"],
                m.Rows.Select(r => (new[] { m.Number(r.Line, r.Cells, mt), m.Number(r.Line, r.Cells, me) }, m.Time(r.Line, r.Cells, mu) * 1e-6)));
        }
        foreach (var required in new[] { "qkv_proj", "o_proj", "layernorm" })
            if (!dense.ContainsKey(required)) throw new ProfileFormatException(Path.Combine(folder, "dense.csv"), "layer", $"no rows for operator '{required}'");
        foreach (var required in new[] { "lm_head", "sampler" })
            if (!perSeq.ContainsKey(required)) throw new ProfileFormatException(Path.Combine(folder, "per_sequence.csv"), "layer", $"no rows for '{required}'");
        return new LlmServingSimProfile(folder, tp, dense, attention, perSeq, moe);
    }

    private static Dictionary<string, GridInterpolator> ReadByName(string path, string nameColumn, string sizeColumn)
    {
        var table = CsvTable.Read(path);
        int name = table.Column(nameColumn), size = table.Column(sizeColumn), time = table.Column("time_us");
        return table.Rows
            .GroupBy(r => table.Text(r.Line, r.Cells, name))
            .ToDictionary(g => g.Key, g => ProfileReader.Grid($"{Path.GetFileName(path)}:{g.Key}", [sizeColumn],
                g.Select(r => (new[] { table.Number(r.Line, r.Cells, size) }, table.Time(r.Line, r.Cells, time) * 1e-6))));
    }
}
