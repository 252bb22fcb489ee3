using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Cli.Commands;

/// <summary>
/// Reads a flat YAML mapping of option names (<c>max-num-seqs: 128</c> or <c>max_num_seqs: 128</c>) into settings,
/// naming the file, line and key of anything it cannot use.
/// </summary>
internal static class YamlConfig
{
    public static void Apply(string path, SimulateSettings s)
    {
        if (Load(path) is not { } map) return;
        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            int line = (int)k.Start.Line;
            if (v is not YamlScalarNode scalar) throw new FormatException($"{path}:{line}: '{key}' must be a single value.");
            Set(s, key, scalar.Value ?? "", path, line);
        }
    }

    /// <summary>Parses a YAML file whose root is a mapping; null when it is empty.</summary>
    public static YamlMappingNode? Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}:{e.Start.Line}: {e.Message}", e);
        }
        if (yaml.Documents.Count == 0) return null;
        return yaml.Documents[0].RootNode as YamlMappingNode ?? throw new FormatException($"{path}: the config must be a mapping of option: value.");
    }

    /// <summary>Sets one option by its name (<c>max-num-seqs</c> or <c>max_num_seqs</c>); errors name the file and line.</summary>
    public static void Set(SimulateSettings s, string name, string raw, string path, int line)
    {
        string key = name.Replace('_', '-').ToLowerInvariant();
        {
            int Int() => int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw Bad("an integer");
            bool Bool() => bool.TryParse(raw, out var b) ? b : throw Bad("true or false");
            double Dbl() => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad("a number");
            FormatException Bad(string what) => new($"{path}:{line}: '{key}: {raw}' must be {what}.");
            switch (key)
            {
                case "model": s.Model = raw; break;
                case "hardware": s.Hardware = raw; break;
                case "tp": s.Tp = Int(); break;
                case "pp": s.Pp = Int(); break;
                case "replicas": s.Replicas = Int(); break;
                case "scheduler": s.Scheduler = raw; break;
                case "router": s.Router = raw; break;
                case "max-num-seqs": s.MaxNumSeqs = Int(); break;
                case "max-num-batched-tokens": s.MaxNumBatchedTokens = Int(); break;
                case "max-model-len": s.MaxModelLen = Int(); break;
                case "block-size": s.BlockSize = Int(); break;
                case "gpu-memory-utilization": s.GpuMemoryUtilization = Dbl(); break;
                case "kv-blocks": s.KvBlocks = Int(); break;
                case "perf-model": s.PerfModel = raw; break;
                case "preemption": s.Preemption = raw; break;
                case "swap-target": s.SwapTarget = raw; break;
                case "swap-space-gib": s.SwapSpaceGib = Dbl(); break;
                case "chunk-size": s.ChunkSize = Int(); break;
                case "length-predictor": s.LengthPredictor = raw; break;
                case "prefix-caching": s.PrefixCaching = Bool(); break;
                case "async-scheduling": s.AsyncScheduling = Bool(); break;
                case "enforce-eager": s.EnforceEager = Bool(); break;
                case "workload": s.Workload = raw; break;
                case "seed": s.Seed = ulong.TryParse(raw, out var seed) ? seed : throw Bad("a non-negative integer"); break;
                case "json": s.Json = raw; break;
                case "requests-csv": s.RequestsCsv = raw; break;
                case "timeseries-csv": s.TimeseriesCsv = raw; break;
                case "trace": s.Trace = raw; break;
                case "plots": s.Plots = raw; break;
                case "kv-cache-manager": s.KvCacheManager = raw; break;
                case "plugin": s.Plugins.Add(raw); break;
                case "decode-replicas": s.DecodeReplicas = Int(); break;
                case "dp": s.Dp = Int(); break;
                case "watermark": s.Watermark = Dbl(); break;
                case "cpu-cache-blocks": s.CpuCacheBlocks = Int(); break;
                case "prefix-eviction": s.PrefixEviction = raw; break;
                case "enable-expert-parallel": s.ExpertParallel = Bool(); break;
                case "decode-hardware": s.DecodeHardware = raw; break;
                case "decode-tp": s.DecodeTp = Int(); break;
                case "kv-transfer-link": s.KvTransferLink = raw; break;
                case "timeseries-interval": s.TimeseriesInterval = Dbl(); break;
                default: throw new FormatException($"{path}:{line}: unknown option '{key}'.");
            }
        }
    }
}
