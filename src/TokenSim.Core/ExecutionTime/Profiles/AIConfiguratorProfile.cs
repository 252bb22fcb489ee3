using TokenSim.Core.Workload;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// One table of NVIDIA AIConfigurator's kernel database (<c>op_data/&lt;system&gt;/&lt;op&gt;/&lt;framework&gt;/&lt;version&gt;/</c>),
/// latencies in ms. Files may be gzip-compressed (<c>*_perf.csv.gz</c>); vLLM 0.14.0 (A100) and 0.19.0 (H100) tables share the layout,
/// 0.19.0's attention adding a <c>window_size</c> column:
/// <list type="bullet">
/// <item><c>gemm_perf.csv</c>: one table per dtype (<c>bfloat16</c>; <c>fp8</c> on H100) by (<c>n</c>, <c>k</c>, <c>m</c>);</item>
/// <item><c>context_attention_perf.csv</c>: one table per attention/KV dtype by (<c>num_key_value_heads</c>,
/// <c>num_heads</c>, <c>head_dim</c>, <c>batch_size</c>, <c>isl</c>);</item>
/// <item><c>generation_attention_perf.csv</c>: the same axes with the decode <c>step</c> last (KV length is isl + step);</item>
/// <item><c>nccl_perf.csv</c> and <c>custom_allreduce_perf.csv</c>: one table per collective, dtype and kernel by
/// (<c>num_gpus</c>, <c>message_size</c>), the size counted in elements.</item>
/// </list>
/// </summary>
public sealed class AIConfiguratorProfile : IOperatorProfile
{
    private AIConfiguratorProfile(string source, string kind, IReadOnlyList<ProfileTable> tables)
    {
        Source = source;
        Kind = kind;
        Tables = tables;
    }

    public string Source { get; }
    public string Format => "aiconfigurator";
    /// <summary><c>gemm</c>, <c>context_attention</c>, <c>generation_attention</c>, <c>nccl</c> or <c>custom_allreduce</c>.</summary>
    public string Kind { get; }
    public IReadOnlyList<ProfileTable> Tables { get; }

    public static AIConfiguratorProfile Read(string file)
    {
        var csv = CsvTable.Read(file);
        var fileName = ProfileReader.TableFileName(file);
        // vLLM 0.19.0's attention tables (H100) add window_size (0: full attention; else a sliding window): a table per
        // window, so that a sliding-window row is never averaged into a full-attention point. 0.14.0's (A100) have none.
        string[] attention = csv.Has("window_size") ? ["attn_dtype", "kv_cache_dtype", "window_size"] : ["attn_dtype", "kv_cache_dtype"];
        if (csv.Has("gemm_dtype"))
            return Build(csv, "gemm", ["gemm_dtype"], ["n", "k", "m"]);
        if (csv.Has("op_name") && csv.Has("isl") && csv.Rows.Count > 0 && csv.Text(csv.Rows[0].Line, csv.Rows[0].Cells, csv.Column("op_name")) == "generation_attention")
            return Build(csv, "generation_attention", attention, ["num_key_value_heads", "num_heads", "head_dim", "batch_size", "isl", "step"]);
        if (csv.Has("isl"))
            return Build(csv, "context_attention", attention, ["num_key_value_heads", "num_heads", "head_dim", "batch_size", "isl"]);
        if (csv.Has("nccl_dtype"))
            return Build(csv, "nccl", ["op_name", "nccl_dtype"], ["num_gpus", "message_size"]);
        if (csv.Has("allreduce_dtype"))
            return Build(csv, "custom_allreduce", ["op_name", "kernel_source", "allreduce_dtype"], ["num_gpus", "message_size"]);
        throw new WorkloadFormatException(file, 1, null, $"{fileName}: not an AIConfigurator gemm, attention or communication table");
    }

    private static AIConfiguratorProfile Build(CsvTable csv, string kind, string[] groupBy, string[] axes)
    {
        var groups = groupBy.Select(csv.Column).ToArray();
        var axis = axes.Select(csv.Column).ToArray();
        int latency = csv.Column("latency");
        var fileName = ProfileReader.TableFileName(csv.Path);
        var tables = csv.Rows
            .GroupBy(r => string.Join("/", groups.Select(g => csv.Text(r.Line, r.Cells, g))))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var grid = ProfileReader.Grid($"{fileName}:{g.Key}", axes,
                    g.Select(r => (axis.Select(a => csv.Number(r.Line, r.Cells, a)).ToArray(), csv.Time(r.Line, r.Cells, latency) * 1e-3)));
                return new ProfileTable(csv.Path, grid.Name, grid);
            })
            .ToList();
        if (tables.Count == 0) throw new WorkloadFormatException(csv.Path, 2, null, "the table has no rows");
        return new AIConfiguratorProfile(csv.Path, kind, tables);
    }
}
