using System.Globalization;
using System.Text;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's Prometheus metrics for one engine, with vLLM's names, types, labels (<c>model_name</c>, <c>engine</c>) and
/// histogram buckets (VLLM-TELEMETRY.md §2), written as text format 0.0.4 the way <c>prometheus_client</c> does:
/// counters as <c>_total</c> plus <c>_created</c>. prometheus-net rejects the colon in these names, so the
/// exposition is written here. Updated from simulator callbacks, on the engine clock.
/// </summary>
public sealed class VllmMetrics : ISimulationObserver
{
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
    private static readonly double[] ItlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] RequestBuckets = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

    private readonly string _labels;
    private readonly double _created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    private readonly Histogram _ttft = new(TtftBuckets), _itl = new(ItlBuckets), _tpot = new(ItlBuckets), _e2e = new(RequestBuckets), _queue = new(RequestBuckets);
    private long _promptTokens, _generationTokens, _preemptions, _success;
    private readonly Dictionary<long, double> _lastToken = [];

    public VllmMetrics(string modelName, int engine) => _labels = $"engine=\"{engine}\",model_name=\"{modelName}\"";

    public void OnToken(Request r, double now)
    {
        _generationTokens++;
        if (r.Generated == 1)
        {
            _promptTokens += r.PromptTokens; // vLLM counts the whole prompt in the step of its first token
            _ttft.Add(r.EngineTtftSeconds);
        }
        else if (_lastToken.TryGetValue(r.Id, out var last)) _itl.Add(now - last);
        _lastToken[r.Id] = now;
    }

    public void OnPreempted(Request r, double now) => _preemptions++;

    public void OnFinished(Request r, double now)
    {
        _success++;
        _lastToken.Remove(r.Id);
        _e2e.Add(r.EngineE2eSeconds);
        _queue.Add(r.ScheduledTime - r.QueuedTime);
        if (r.Generated > 1) _tpot.Add(r.TpotSeconds);
    }

    /// <summary>Writes the exposition; <paramref name="state"/> and <paramref name="cacheInfo"/> are read under the engine's lock by the caller.</summary>
    public void Write(StringBuilder sb, (int Running, int Waiting, double KvUsage) state, IReadOnlyDictionary<string, string> cacheInfo)
    {
        Gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.", state.Running);
        Gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", state.Waiting);
        Gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", state.KvUsage);
        sb.Append("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n# TYPE vllm:cache_config_info gauge\nvllm:cache_config_info{");
        sb.AppendJoin(',', cacheInfo.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value}\""));
        sb.Append("} 1.0\n");
        Counter(sb, "vllm:prompt_tokens", "Number of prefill tokens processed.", _promptTokens);
        Counter(sb, "vllm:generation_tokens", "Number of generation tokens processed.", _generationTokens);
        Counter(sb, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", _preemptions);
        Counter(sb, "vllm:request_success", "Count of successfully processed requests.", _success, "finished_reason=\"length\",");
        _ttft.Write(sb, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", _labels, _created);
        _itl.Write(sb, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", _labels, _created);
        _tpot.Write(sb, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", _labels, _created);
        _e2e.Write(sb, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", _labels, _created);
        _queue.Write(sb, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", _labels, _created);
    }

    private void Gauge(StringBuilder sb, string name, string help, double value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{_labels}}} {F(value)}\n");

    private void Counter(StringBuilder sb, string name, string help, long value, string extra = "") =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name}_total {help}\n# TYPE {name}_total counter\n{name}_total{{{extra}{_labels}}} {F(value)}\n# HELP {name}_created {help}\n# TYPE {name}_created gauge\n{name}_created{{{extra}{_labels}}} {F(_created)}\n");

    internal static string F(double v) => double.IsPositiveInfinity(v) ? "+Inf" : v.ToString(v == Math.Floor(v) && Math.Abs(v) < 1e15 ? "0.0" : "R", CultureInfo.InvariantCulture);

    private sealed class Histogram(double[] buckets)
    {
        private readonly long[] _counts = new long[buckets.Length];
        private long _count;
        private double _sum;

        public void Add(double v)
        {
            _count++;
            _sum += v;
            for (int i = 0; i < buckets.Length; i++)
                if (v <= buckets[i]) _counts[i]++;
        }

        public void Write(StringBuilder sb, string name, string help, string labels, double created)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
            for (int i = 0; i < buckets.Length; i++)
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{F(buckets[i])}\"}} {F(_counts[i])}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {F(_count)}\n{name}_count{{{labels}}} {F(_count)}\n{name}_sum{{{labels}}} {F(_sum)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name}_created {help}\n# TYPE {name}_created gauge\n{name}_created{{{labels}}} {F(created)}\n");
        }
    }
}
