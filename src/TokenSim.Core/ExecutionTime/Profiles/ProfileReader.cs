using System.IO.Compression;
using TokenSim.Core.Entities;
using TokenSim.Core.Workload;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// Detects which profiler wrote a file or folder and reads it: Vidur (<c>mlp.csv</c>, Vidur-format
/// <c>attention.csv</c>, <c>all_reduce.csv</c>, <c>send_recv.csv</c>), LLMServingSim's vLLM 0.19 profiles
/// (<c>dense.csv</c> + <c>attention.csv</c> + <c>per_sequence.csv</c>, per <c>tp&lt;N&gt;/</c>), LLMServingSim's v0
/// H100 tables (<c>layers.csv</c> + Vidur-format <c>attention.csv</c>) and AIConfigurator's kernel database
/// (<c>gemm_perf.csv</c>, <c>context_attention_perf.csv</c>, <c>generation_attention_perf.csv</c>, <c>nccl_perf.csv</c>,
/// <c>custom_allreduce_perf.csv</c>), each also as a gzip-compressed <c>.csv.gz</c>. Every table comes back in seconds, whatever unit the file stores.
/// </summary>
public static class ProfileReader
{
    /// <summary>Reads every profile found at <paramref name="path"/>: one file, one profile folder, or a tree of them.</summary>
    public static IReadOnlyList<IOperatorProfile> Read(string path)
    {
        if (File.Exists(path)) return [ReadFile(path)];
        if (!Directory.Exists(path)) throw new FileNotFoundException($"Profile '{path}' does not exist.", path);
        var found = new List<IOperatorProfile>();
        foreach (var dir in Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories).Prepend(path).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "dense.csv")))
            {
                found.Add(LlmServingSimProfile.Read(dir, TensorParallelOf(dir)));
                continue;
            }
            if (File.Exists(Path.Combine(dir, "layers.csv")))
            {
                found.Add(LlmServingSimV0Profile.Read(dir));
                continue;
            }
            if (NcclTestsProfile.Detect(dir))
            {
                found.Add(NcclTestsProfile.Read(dir));
                continue;
            }
            // Large tables ship gzip-compressed (AIConfigurator's H100 GEMMs); a .csv.gz reads as its .csv.
            foreach (var file in Directory.EnumerateFiles(dir, "*.csv").Concat(Directory.EnumerateFiles(dir, "*.csv.gz")).Order(StringComparer.Ordinal))
            {
                // An empty table in a profile tree is a truncated copy: say so rather than pass over it.
                if (new FileInfo(file).Length == 0) throw new WorkloadFormatException(file, 1, null, "the file is empty");
                if (Kind(file) is not null) found.Add(ReadFile(file));
            }
        }
        return found.Count > 0 ? found
            : throw new ArgumentException($"{path}: no operator profile found (expected Vidur mlp.csv/attention.csv/all_reduce.csv/send_recv.csv, LLMServingSim dense.csv or layers.csv, AIConfigurator *_perf.csv, or nccl-tests *_perf.txt with meta.yaml).");
    }

    /// <summary>Reads one table file, recognised by its header.</summary>
    public static IOperatorProfile ReadFile(string file) => Kind(file) switch
    {
        "vidur" => VidurProfile.Read(file),
        "aiconfigurator" => AIConfiguratorProfile.Read(file),
        "llmservingsim" => LlmServingSimProfile.Read(Path.GetDirectoryName(Path.GetFullPath(file))!, TensorParallelOf(file)),
        "llmservingsim-v0" => LlmServingSimV0Profile.Read(Path.GetDirectoryName(Path.GetFullPath(file))!),
        _ => throw new WorkloadFormatException(file, 1, null, "not a known profile table (Vidur, LLMServingSim or AIConfigurator header expected)"),
    };

    /// <summary>The profiler whose header <paramref name="file"/> has, or null.</summary>
    public static string? Kind(string file)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var csv = CsvFormat.Open(OpenText(file));
            if (csv.MoveNext())
                for (int i = 0; i < csv.Current.ColCount; i++) columns.Add(csv.Current[i].ToString());
        }
        catch (InvalidDataException e)
        {
            throw new WorkloadFormatException(file, 1, null, $"not valid gzip data ({e.Message})");
        }
        if (columns.Contains("num_tokens") && columns.Contains("num_tensor_parallel_workers")) return "vidur";
        if (columns.Contains("is_prefill") && columns.Contains("kv_cache_size")) return "vidur";
        if (columns.Contains("collective") && columns.Contains("size")) return "vidur";
        if (columns.Contains("framework") && columns.Contains("latency")) return "aiconfigurator";
        if (columns.Contains("layer_name") && columns.Contains("latency(ns)")) return "llmservingsim-v0";
        if (columns.Contains("layer") && columns.Contains("time_us")) return "llmservingsim";
        return null;
    }

    /// <summary>A profile table's text, decompressed when the file name ends in <c>.gz</c>.</summary>
    public static StreamReader OpenText(string file)
    {
        Stream stream = File.OpenRead(file);
        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream);
    }

    /// <summary>A table's file name without the <c>.gz</c> of a compressed copy, for table names that do not depend on how it ships.</summary>
    public static string TableFileName(string file)
    {
        var name = Path.GetFileName(file);
        return name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
    }

    /// <summary>The GPU a path names in one of its folders (<c>a100</c>, <c>h100_dgx</c>, <c>RTXPRO6000</c>, <c>a100_sxm</c>), or null.</summary>
    public static HardwareSpec? InferHardware(string path, out string? named)
    {
        named = null;
        foreach (var segment in Segments(path).Reverse())
        {
            foreach (var candidate in new[] { segment, segment.Split('_')[0] })
            {
                if (HardwareCatalog.TryGet(candidate, out var hw)) { named = candidate; return hw; }
            }
            // A GPU-like folder (a30, a10g) that the catalog lacks: remember it so the report can say so.
            var head = segment.Split('_')[0];
            if (named is null && head.Length is >= 2 and <= 12 && char.IsLetter(head[0]) && head.Any(char.IsDigit) && !head.Contains('-')
                && !head.StartsWith("tp", StringComparison.OrdinalIgnoreCase) && !head.Contains('.'))
                named = head;
        }
        return null;
    }

    /// <summary>The catalog model a path names as <c>&lt;org&gt;/&lt;model&gt;</c> or <c>&lt;model&gt;</c> folders, or null.</summary>
    public static ModelSpec? InferModel(string path)
    {
        var parts = Segments(path).ToArray();
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            if (i > 0 && ModelCatalog.TryGet($"{parts[i - 1]}/{parts[i]}", out var byId)) return byId;
            if (ModelCatalog.TryGet(parts[i], out var byName)) return byName;
        }
        return null;
    }

    /// <summary>The TP degree of a <c>tp&lt;N&gt;</c> folder on the path, else 1.</summary>
    public static int TensorParallelOf(string path)
    {
        foreach (var segment in Segments(path).Reverse())
            if (segment.StartsWith("tp", StringComparison.OrdinalIgnoreCase) && int.TryParse(segment.AsSpan(2), out int tp) && tp > 0) return tp;
        return 1;
    }

    private static IEnumerable<string> Segments(string path) =>
        Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Builds an interpolator from rows, averaging repeated measurements of one grid point (Vidur re-measures a few
    /// token counts; the average is the best single estimate and keeps the grid a function).
    /// </summary>
    internal static GridInterpolator Grid(string name, string[] axes, IEnumerable<(double[] Key, double Value)> rows)
    {
        var sums = new Dictionary<string, (double[] Key, double Sum, int Count)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (key, value) in rows)
        {
            var id = string.Join(",", key.Select(k => k.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            if (sums.TryGetValue(id, out var s)) sums[id] = (s.Key, s.Sum + value, s.Count + 1);
            else { sums[id] = (key, value, 1); order.Add(id); }
        }
        return new GridInterpolator(name, axes, order.Select(id => (sums[id].Key, sums[id].Sum / sums[id].Count)));
    }
}
