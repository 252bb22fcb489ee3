using System.Globalization;

namespace TokenSim.Server.Sources.Scrape;

/// <summary>One vLLM engine (data-parallel rank) as one scrape of <c>/metrics</c> shows it; null where not exposed.</summary>
public sealed record EngineReading
{
    public required string Engine { get; init; }
    public int? Running { get; init; }
    public int? Waiting { get; init; }
    /// <summary>vllm:kv_cache_usage_perc, a fraction in [0, 1].</summary>
    public double? KvUsage { get; init; }
    public int? NumGpuBlocks { get; init; }
    public int? BlockSize { get; init; }
    /// <summary>Cumulative counters by short name (prompt_tokens, generation_tokens, preemptions, prefix_cache_queries, prefix_cache_hits).</summary>
    public IReadOnlyDictionary<string, double> Counters { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// What the twin reads from a vLLM <c>/metrics</c> exposition (VLLM-TELEMETRY.md §2), per <c>engine</c> label: running,
/// waiting, KV use, <c>cache_config_info</c>'s block count and size, and the token, preemption and prefix-cache
/// counters. Other families are read past. A value out of its family's range is a counted rejection and leaves that
/// field unknown; everything else of the scrape is kept.
/// </summary>
public static class VllmScrape
{
    public static readonly IReadOnlyDictionary<string, string> CounterFamilies = new Dictionary<string, string>
    {
        ["vllm:prompt_tokens_total"] = "prompt_tokens",
        ["vllm:generation_tokens_total"] = "generation_tokens",
        ["vllm:num_preemptions_total"] = "preemptions",
        ["vllm:prefix_cache_queries_total"] = "prefix_cache_queries",
        ["vllm:prefix_cache_hits_total"] = "prefix_cache_hits",
    };

    /// <summary>The readings by engine label, and the rejections (metric reason label, detail).</summary>
    public static (Dictionary<string, EngineReading> Engines, List<(string Reason, string Detail)> Rejections) Read(IEnumerable<PromSample> samples)
    {
        var engines = new Dictionary<string, EngineReading>(StringComparer.Ordinal);
        var rejections = new List<(string, string)>();
        EngineReading Of(string e) => engines.TryGetValue(e, out var r) ? r : engines[e] = new EngineReading { Engine = e, Counters = new Dictionary<string, double>() };
        var legacyKv = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in samples)
        {
            bool counter = CounterFamilies.ContainsKey(s.Name);
            bool wanted = counter || s.Name is "vllm:num_requests_running" or "vllm:num_requests_waiting" or "vllm:kv_cache_usage_perc" or "vllm:gpu_cache_usage_perc" or "vllm:cache_config_info";
            if (!wanted) continue;
            if (!s.Labels.TryGetValue("engine", out var engine)) { rejections.Add(("missing_engine_label", $"{s.Name} has no engine label")); continue; }
            var r = Of(engine);
            switch (s.Name)
            {
                case "vllm:num_requests_running":
                case "vllm:num_requests_waiting":
                    if (!(double.IsFinite(s.Value) && s.Value >= 0 && s.Value <= int.MaxValue)) { rejections.Add(("bad_value", $"{s.Name}{{engine=\"{engine}\"}} is {s.Value}, not a count")); break; }
                    // Several model_name series of one engine (not seen from vLLM) add up.
                    int n = (int)Math.Round(s.Value);
                    engines[engine] = s.Name == "vllm:num_requests_running" ? r with { Running = (r.Running ?? 0) + n } : r with { Waiting = (r.Waiting ?? 0) + n };
                    break;
                case "vllm:kv_cache_usage_perc":
                    if (!(s.Value >= 0 && s.Value <= 1)) { rejections.Add(("bad_value", $"vllm:kv_cache_usage_perc{{engine=\"{engine}\"}} is {s.Value}, not a fraction in [0, 1]")); break; }
                    engines[engine] = r with { KvUsage = s.Value };
                    break;
                case "vllm:gpu_cache_usage_perc":
                    // The name before vLLM 0.10 (removed by #29330); used only when the current one is absent.
                    if (s.Value >= 0 && s.Value <= 1) legacyKv[engine] = s.Value;
                    else rejections.Add(("bad_value", $"vllm:gpu_cache_usage_perc{{engine=\"{engine}\"}} is {s.Value}, not a fraction in [0, 1]"));
                    break;
                case "vllm:cache_config_info":
                    int? blocks = PositiveInt(s.Labels, "num_gpu_blocks"), size = PositiveInt(s.Labels, "block_size");
                    if (blocks is null || size is null) { rejections.Add(("bad_value", $"vllm:cache_config_info{{engine=\"{engine}\"}} needs integer num_gpu_blocks and block_size labels (got '{s.Labels.GetValueOrDefault("num_gpu_blocks")}', '{s.Labels.GetValueOrDefault("block_size")}')")); break; }
                    engines[engine] = r with { NumGpuBlocks = blocks, BlockSize = size };
                    break;
                default:
                    if (!(double.IsFinite(s.Value) && s.Value >= 0)) { rejections.Add(("bad_value", $"{s.Name}{{engine=\"{engine}\"}} is {s.Value}, not a count")); break; }
                    var counters = (Dictionary<string, double>)r.Counters;
                    string key = CounterFamilies[s.Name];
                    counters[key] = counters.GetValueOrDefault(key) + s.Value;
                    break;
            }
        }
        foreach (var (engine, kv) in legacyKv)
            if (engines[engine].KvUsage is null) engines[engine] = engines[engine] with { KvUsage = kv };
        return (engines, rejections);
    }

    private static int? PositiveInt(IReadOnlyDictionary<string, string> labels, string key) =>
        labels.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : null;
}
