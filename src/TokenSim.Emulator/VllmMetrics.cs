using System.Text;
using TokenSim.Core.Simulation;
using static TokenSim.Emulator.PrometheusText;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's Prometheus metrics for one engine: vLLM's names, types, labels (<c>model_name</c>, <c>engine</c>) and
/// histogram buckets (VLLM-TELEMETRY.md §2), in the text format <c>prometheus_client</c> writes (see
/// <see cref="PrometheusText"/>; prometheus-net rejects the colon in these names). Updated from the engine's
/// simulated events, on the simulated clock, under the engine's lock.
/// </summary>
public sealed class VllmMetrics
{
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
    private static readonly double[] ItlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] RequestBuckets = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
    private static readonly double[] IterationBuckets = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
    private static readonly double[] NBuckets = [1, 2, 5, 10, 20];
    /// <summary>vLLM's finish reasons; each has a <c>request_success</c> series from the start, at 0.</summary>
    public static readonly string[] FinishReasons = ["stop", "length", "abort", "error", "repetition"];

    private readonly string _labels, _engine;
    private readonly double _created;
    private readonly PromHistogram _ttft = new(TtftBuckets), _itl = new(ItlBuckets), _tpot = new(ItlBuckets);
    private readonly PromHistogram _e2e = new(RequestBuckets), _queue = new(RequestBuckets), _inference = new(RequestBuckets), _prefill = new(RequestBuckets), _decode = new(RequestBuckets);
    private readonly PromHistogram _iteration = new(IterationBuckets), _n = new(NBuckets);
    private readonly PromHistogram _promptLen, _genLen, _maxTokens, _maxGen, _prefillComputed;
    private readonly long[] _success = new long[FinishReasons.Length];
    private long _promptTokens, _generationTokens, _cachedPromptTokens, _preemptions;
    // Tokens of the output batch being gathered: vLLM observes iteration tokens once per batch of outputs.
    private double _batchTime = double.NaN;
    private long _batchTokens;

    /// <param name="time">The clock of the counters' <c>_created</c> stamp (default: the system's).</param>
    public VllmMetrics(string modelName, int engine, int maxModelLen, TimeProvider? time = null)
    {
        _created = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        _engine = engine.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _labels = $"engine=\"{_engine}\",model_name=\"{Escape(modelName)}\"";
        var tokens = Buckets125(maxModelLen);
        _promptLen = new(tokens);
        _genLen = new(tokens);
        _maxTokens = new(tokens);
        _maxGen = new(tokens);
        _prefillComputed = new(tokens);
    }

    /// <param name="previous">The time of the request's previous token (the simulator has already moved
    /// <see cref="Request.LastTokenTime"/> to <paramref name="now"/>); ignored for the first token.</param>
    public void Token(Request r, double now, double previous)
    {
        if (now != _batchTime) FlushBatch();
        _batchTime = now;
        _generationTokens++;
        _batchTokens++;
        if (r.Generated == 1)
        {
            // The whole prompt counts in the step that produces the first token, not per prefill chunk.
            _promptTokens += r.PromptTokens;
            _cachedPromptTokens += r.CachedPromptTokens;
            _batchTokens += r.PromptTokens;
            _ttft.Add(now - r.ArrivalTime);
        }
        else _itl.Add(now - previous);
    }

    public void Preempted() => _preemptions++;

    public void Finished(Request r, int maxTokens, string reason)
    {
        _success[Array.IndexOf(FinishReasons, reason)]++;
        _e2e.Add(r.FinishTime - r.ArrivalTime);
        _queue.Add(r.ScheduledTime - r.QueuedTime);
        _prefill.Add(r.FirstTokenTime - r.ScheduledTime);
        _decode.Add(r.LastTokenTime - r.FirstTokenTime);
        _inference.Add(r.LastTokenTime - r.ScheduledTime);
        if (r.Generated > 1) _tpot.Add((r.LastTokenTime - r.FirstTokenTime) / (r.Generated - 1));
        _promptLen.Add(r.PromptTokens);
        _genLen.Add(r.Generated);
        _maxTokens.Add(maxTokens);
        _maxGen.Add(r.Generated);
        _prefillComputed.Add(r.PromptTokens - r.CachedPromptTokens);
        _n.Add(1);
    }

    /// <summary>An aborted request counts as finished with reason <c>abort</c>; it has no latency samples.</summary>
    public void Aborted() => _success[Array.IndexOf(FinishReasons, "abort")]++;

    private void FlushBatch()
    {
        if (_batchTokens > 0) _iteration.Add(_batchTokens);
        _batchTokens = 0;
    }

    /// <summary>Writes the exposition of the engine's state <paramref name="s"/>, read under the engine's lock.</summary>
    public void Write(StringBuilder sb, in EngineSnapshot s)
    {
        if (s.Now > _batchTime) { FlushBatch(); _batchTime = double.NaN; }
        Gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.", _labels, s.Running);
        Gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", _labels, s.Waiting);
        Gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", _labels, s.KvUsage);
        Header(sb, "vllm:engine_sleep_state", "Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.", "gauge");
        Sample(sb, "vllm:engine_sleep_state", $"{_labels},sleep_state=\"awake\"", 1);
        Sample(sb, "vllm:engine_sleep_state", $"{_labels},sleep_state=\"weights_offloaded\"", 0);
        Sample(sb, "vllm:engine_sleep_state", $"{_labels},sleep_state=\"discard_all\"", 0);
        Header(sb, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
        Sample(sb, "vllm:cache_config_info", string.Join(',', s.CacheConfig.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{Escape(kv.Value)}\"").Append($"engine=\"{_engine}\"")), 1);
        Counter(sb, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", _created, (_labels, s.PrefixQueryTokens));
        Counter(sb, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", _created, (_labels, s.PrefixHitTokens));
        Counter(sb, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", _created, (_labels, _preemptions));
        Counter(sb, "vllm:prompt_tokens", "Number of prefill tokens processed.", _created, (_labels, _promptTokens));
        Counter(sb, "vllm:prompt_tokens_by_source", "Number of prompt tokens by source.", _created,
            ($"{_labels},source=\"local_compute\"", _promptTokens - _cachedPromptTokens), ($"{_labels},source=\"local_cache_hit\"", _cachedPromptTokens), ($"{_labels},source=\"external_kv_transfer\"", 0));
        Counter(sb, "vllm:prompt_tokens_cached", "Number of cached prompt tokens (local + external).", _created, (_labels, _cachedPromptTokens));
        Counter(sb, "vllm:prompt_tokens_recomputed", "Number of cached tokens recomputed for forward pass.", _created, (_labels, 0));
        Counter(sb, "vllm:generation_tokens", "Number of generation tokens processed.", _created, (_labels, _generationTokens));
        Counter(sb, "vllm:request_success", "Count of successfully processed requests.", _created,
            [.. FinishReasons.Select((reason, i) => ($"{_labels},finished_reason=\"{reason}\"", (double)_success[i]))]);
        _iteration.Write(sb, "vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", _labels, _created);
        _promptLen.Write(sb, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", _labels, _created);
        _genLen.Write(sb, "vllm:request_generation_tokens", "Number of generation tokens processed.", _labels, _created);
        _maxGen.Write(sb, "vllm:request_max_num_generation_tokens", "Histogram of maximum number of requested generation tokens.", _labels, _created);
        _n.Write(sb, "vllm:request_params_n", "Histogram of the n request parameter.", _labels, _created);
        _maxTokens.Write(sb, "vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", _labels, _created);
        _prefillComputed.Write(sb, "vllm:request_prefill_kv_computed_tokens", "Histogram of new KV tokens computed during prefill (excluding cached tokens).", _labels, _created);
        _ttft.Write(sb, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", _labels, _created);
        _itl.Write(sb, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", _labels, _created);
        _tpot.Write(sb, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", _labels, _created);
        _e2e.Write(sb, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", _labels, _created);
        _queue.Write(sb, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", _labels, _created);
        _inference.Write(sb, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", _labels, _created);
        _prefill.Write(sb, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", _labels, _created);
        _decode.Write(sb, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", _labels, _created);
    }
}

/// <summary>What /metrics reads from the engine at a scrape.</summary>
public readonly record struct EngineSnapshot(
    double Now, int Running, int Waiting, double KvUsage, long PrefixQueryTokens, long PrefixHitTokens, IReadOnlyDictionary<string, string> CacheConfig);
