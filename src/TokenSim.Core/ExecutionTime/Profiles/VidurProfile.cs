using TokenSim.Core.Entities;
using TokenSim.Core.Workload;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// One of Vidur's profile tables (microsoft/vidur <c>data/profiling</c>), times in ms, read as the median of each
/// point's repeats (the statistic Vidur's own predictors train on, and robust to the odd slow repeat):
/// <list type="bullet">
/// <item><c>mlp.csv</c>: one table per operator (<c>attn_pre_proj</c>, <c>mlp_up_proj</c>, …) by
/// (<c>num_tensor_parallel_workers</c>, <c>num_tokens</c>);</item>
/// <item>Vidur-format <c>attention.csv</c>: <c>attn_prefill</c> by (<c>batch_size</c>, <c>prefill_chunk_size</c>,
/// <c>kv_cache_size</c>) and <c>attn_decode</c> by (<c>batch_size</c>, <c>kv_cache_size</c>);</item>
/// <item><c>all_reduce.csv</c>, <c>send_recv.csv</c>: NCCL collectives by (<c>num_workers</c>,
/// <c>devices_per_node</c>, <c>size</c>), the size counted in fp16 elements.</item>
/// </list>
/// </summary>
public sealed class VidurProfile : IOperatorProfile
{
    /// <summary>The non-attention operators of one layer that Vidur times.</summary>
    public static readonly string[] MlpOperators =
        ["emb", "input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj", "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"];

    private VidurProfile(string source, string kind, ModelSpec? shape, int tp, IReadOnlyList<ProfileTable> tables, bool decodeKvIsBatchTotal = false)
    {
        DecodeKvIsBatchTotal = decodeKvIsBatchTotal;
        Source = source;
        Kind = kind;
        Shape = shape;
        TensorParallel = tp;
        Tables = tables;
    }

    public string Source { get; }
    public string Format => "vidur";
    /// <summary><c>mlp</c>, <c>attention</c>, <c>all_reduce</c> or <c>send_recv</c>.</summary>
    public string Kind { get; }
    /// <summary>The model shape the file records (heads, hidden size, MLP width, vocabulary); null for network tables.</summary>
    public ModelSpec? Shape { get; }
    /// <summary>The TP degree an attention table was measured at (its heads are the model's, divided by this).</summary>
    public int TensorParallel { get; }
    public IReadOnlyList<ProfileTable> Tables { get; }

    /// <summary>
    /// Whether a decode row's <c>kv_cache_size</c> is the keys of the whole batch, split evenly over its sequences,
    /// rather than each sequence's. Vidur's profiler gives every sequence <c>kv_cache_size</c> keys and writes a
    /// <c>block_size</c> column; the legacy LLMServingSim sweep (LLMServingSim v0's <c>perf_models</c>, no
    /// <c>block_size</c> column) divides it over the batch, integer-divided, so rows with fewer keys than sequences
    /// time zero-length sequences. Its own timings show it: Llama-3.1-70B TP4 on H100 at <c>kv_cache_size</c> 59,904
    /// takes 1,616 µs at batch 1, 792 µs at batch 2 and 202 µs at batch 8, where eight sequences of 59,904 keys each
    /// would read eight times the bytes of one.
    /// </summary>
    public bool DecodeKvIsBatchTotal { get; }

    public static VidurProfile Read(string file)
    {
        var csv = CsvTable.Read(file);
        if (csv.Has("num_tokens")) return ReadMlp(csv);
        if (csv.Has("is_prefill")) return ReadAttention(csv);
        if (csv.Has("collective")) return ReadNetwork(csv);
        throw new WorkloadFormatException(file, 1, null, "not a Vidur mlp, attention or network table (no num_tokens, is_prefill or collective column)");
    }

    private static VidurProfile ReadMlp(CsvTable csv)
    {
        int tokens = csv.Column("num_tokens"), tp = csv.Column("num_tensor_parallel_workers");
        var tables = new List<ProfileTable>();
        foreach (var op in MlpOperators)
        {
            var column = $"time_stats.{op}.median";
            if (!csv.Has(column)) continue;
            int c = csv.Column(column);
            var grid = ProfileReader.Grid($"mlp.csv:{op}", ["num_tensor_parallel_workers", "num_tokens"],
                csv.Rows.Select(r => (new[] { csv.Number(r.Line, r.Cells, tp), csv.Number(r.Line, r.Cells, tokens) }, csv.Time(r.Line, r.Cells, c) * 1e-3)));
            tables.Add(new ProfileTable(csv.Path, grid.Name, grid));
        }
        if (tables.Count == 0) throw new WorkloadFormatException(csv.Path, 1, "time_stats.<op>.median", $"no operator columns (expected e.g. time_stats.attn_pre_proj.median)");
        var first = csv.Rows.Count > 0 ? csv.Rows[0] : throw new WorkloadFormatException(csv.Path, 2, null, "the table has no rows");
        int Int(string column) => (int)csv.Number(first.Line, first.Cells, csv.Column(column));
        int heads = Int("n_head"), hidden = Int("n_embd");
        var shape = new ModelSpec
        {
            Name = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(csv.Path))) ?? "vidur",
            NumLayers = 1, HiddenSize = hidden, NumHeads = heads, NumKvHeads = Int("n_kv_head"), HeadDim = hidden / Math.Max(heads, 1),
            IntermediateSize = Int("n_expanded_embd"), VocabSize = Int("vocab_size"), DType = "float16",
        };
        return new VidurProfile(csv.Path, "mlp", shape, 1, tables);
    }

    private static VidurProfile ReadAttention(CsvTable csv)
    {
        var (prefill, decode, shape, tp) = ReadAttentionTables(csv);
        return new VidurProfile(csv.Path, "attention", shape, tp, [prefill, decode], decodeKvIsBatchTotal: !csv.Has("block_size"));
    }

    /// <summary>Reads a Vidur-format attention table (also LLMServingSim v0's): prefill and decode times, the shape, the TP degree.</summary>
    internal static (ProfileTable Prefill, ProfileTable Decode, ModelSpec Shape, int Tp) ReadAttentionTables(CsvTable csv)
    {
        int isPrefill = csv.Column("is_prefill"), batch = csv.Column("batch_size"), chunk = csv.Column("prefill_chunk_size"), kv = csv.Column("kv_cache_size");
        int prefillTime = csv.Column("time_stats.attn_prefill.median"), decodeTime = csv.Column("time_stats.attn_decode.median");
        var prefillRows = new List<(double[], double)>();
        var decodeRows = new List<(double[], double)>();
        foreach (var (line, cells) in csv.Rows)
        {
            var flag = csv.Text(line, cells, isPrefill);
            bool prefill = flag.Equals("True", StringComparison.OrdinalIgnoreCase) ? true
                : flag.Equals("False", StringComparison.OrdinalIgnoreCase) ? false
                : throw new WorkloadFormatException(csv.Path, line, "is_prefill", $"'{flag}' is not True or False");
            double b = csv.Number(line, cells, batch), k = csv.Number(line, cells, kv);
            if (prefill) prefillRows.Add((new[] { b, csv.Number(line, cells, chunk), k }, csv.Time(line, cells, prefillTime) * 1e-3));
            else decodeRows.Add((new[] { b, k }, csv.Time(line, cells, decodeTime) * 1e-3));
        }
        if (prefillRows.Count == 0 || decodeRows.Count == 0)
            throw new WorkloadFormatException(csv.Path, 1, "is_prefill", $"expected both prefill and decode rows (have {prefillRows.Count} and {decodeRows.Count})");
        // KV length goes last: attention time is affine in the KV it reads, the smoothest direction to interpolate along.
        var pre = ProfileReader.Grid("attention.csv:attn_prefill", ["batch_size", "prefill_chunk_size", "kv_cache_size"], prefillRows);
        var dec = ProfileReader.Grid("attention.csv:attn_decode", ["batch_size", "kv_cache_size"], decodeRows);
        var first = csv.Rows[0];
        int Int(string column) => (int)csv.Number(first.Line, first.Cells, csv.Column(column));
        int heads = Int("n_q_head"), hidden = Int("n_embd");
        int tp = csv.Has("num_tensor_parallel_workers") ? Math.Max(1, Int("num_tensor_parallel_workers")) : 1;
        var shape = new ModelSpec
        {
            Name = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(csv.Path))) ?? "vidur",
            NumLayers = 1, HiddenSize = hidden, NumHeads = heads, NumKvHeads = Int("n_kv_head"), HeadDim = hidden / Math.Max(heads, 1),
            IntermediateSize = 0, VocabSize = 0, DType = "float16",
        };
        return (new ProfileTable(csv.Path, pre.Name, pre), new ProfileTable(csv.Path, dec.Name, dec), shape, tp);
    }

    private static VidurProfile ReadNetwork(CsvTable csv)
    {
        string kind = Path.GetFileNameWithoutExtension(csv.Path);
        int workers = csv.Column("num_workers"), perNode = csv.Column("devices_per_node"), size = csv.Column("size");
        var timeColumn = csv.Header.FirstOrDefault(h => h.StartsWith("time_stats.", StringComparison.Ordinal) && h.EndsWith(".median", StringComparison.Ordinal))
            ?? throw new WorkloadFormatException(csv.Path, 1, "time_stats.<collective>.median", "column is missing");
        int t = csv.Column(timeColumn);
        // Size last: a collective's time is latency plus bytes over bandwidth, affine in the size.
        var grid = ProfileReader.Grid($"{Path.GetFileName(csv.Path)}", ["num_workers", "devices_per_node", "size"],
            csv.Rows.Select(r => (new[] { csv.Number(r.Line, r.Cells, workers), csv.Number(r.Line, r.Cells, perNode), csv.Number(r.Line, r.Cells, size) },
                csv.Time(r.Line, r.Cells, t) * 1e-3)));
        return new VidurProfile(csv.Path, kind, null, 1, [new ProfileTable(csv.Path, grid.Name, grid)]);
    }
}
