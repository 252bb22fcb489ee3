using Prometheus;

namespace TokenSim.Server.Metrics;

/// <summary>
/// The metrics of the twin's native vLLM sources (OTLP spans, <c>/metrics</c> scrapes), prometheus-net's own types in
/// the server's registry; docs/metrics.md lists every name and label.
/// </summary>
public sealed class SourceMetrics
{
    public const string Rejected = "tokensim_source_rejected_total";
    public const string Spans = "tokensim_otlp_spans_total";
    public const string ExportDuration = "tokensim_otlp_export_duration_seconds";
    public const string BootSpan = "tokensim_boot_span_duration_seconds";
    public const string Scrapes = "tokensim_scrapes_total";
    public const string TargetUp = "tokensim_scrape_target_up";
    public const string TargetStale = "tokensim_scrape_target_stale";
    public const string LastSuccess = "tokensim_scrape_last_success_timestamp_seconds";
    public const string ScrapeDuration = "tokensim_scrape_duration_seconds";
    public const string ObservedCount = "tokensim_replica_observed_count";
    public const string ObservedKvBlocks = "tokensim_replica_observed_kv_blocks";

    private readonly Counter _rejected, _spans, _scrapes;
    private readonly Histogram _export;
    private readonly Gauge _boot, _up, _stale, _lastSuccess, _scrapeDuration, _observedCount, _kvBlocks;

    public SourceMetrics(TokenSimMetrics metrics)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _rejected = f.CreateCounter(Rejected, "Source input rejected, by source (otlp, scrape) and reason; everything else in the same export or scrape is kept.", "source", "reason");
        _spans = f.CreateCounter(Spans, "OTLP spans received, by transport (grpc, http) and outcome (applied, duplicate, boot, ignored, rejected).", "transport", "outcome");
        _export = f.CreateHistogram(ExportDuration, "Time from receiving an OTLP export to answering it (its request spans applied by the twin).",
            new HistogramConfiguration { LabelNames = ["transport"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
        _boot = f.CreateGauge(BootSpan, "Duration of each vLLM start-up span (Load model, Allocate KV cache, ...) last received, by deployment and replica.", "deployment", "replica", "span");
        _scrapes = f.CreateCounter(Scrapes, "Scrapes of a vLLM /metrics target, by outcome (ok, failed).", "deployment", "target", "outcome");
        _up = f.CreateGauge(TargetUp, "1 when the target's last scrape succeeded, else 0.", "deployment", "target");
        _stale = f.CreateGauge(TargetStale, "1 when the target has had no successful scrape within the stale bound (or never), else 0.", "deployment", "target");
        _lastSuccess = f.CreateGauge(LastSuccess, "Unix time of the target's last successful scrape (0: never).", "deployment", "target");
        _scrapeDuration = f.CreateGauge(ScrapeDuration, "How long the target's last scrape took, fetch and parse.", "deployment", "target");
        _observedCount = f.CreateGauge(ObservedCount, "vLLM's cumulative counters as last scraped, per replica: prompt_tokens, generation_tokens, preemptions, prefix_cache_queries, prefix_cache_hits.", "deployment", "replica", "counter");
        _kvBlocks = f.CreateGauge(ObservedKvBlocks, "num_gpu_blocks of the replica's vllm:cache_config_info as last scraped.", "deployment", "replica");
    }

    public void Reject(string source, string reason, long n = 1) { if (n > 0) _rejected.WithLabels(source, reason).Inc(n); }
    public void Span(string transport, string outcome, long n = 1) { if (n > 0) _spans.WithLabels(transport, outcome).Inc(n); }
    public void Export(string transport, double seconds) => _export.WithLabels(transport).Observe(seconds);
    public void Boot(string deployment, string replica, string span, double seconds) => _boot.WithLabels(deployment, replica, span).Set(seconds);

    public void Scraped(string deployment, string target, bool ok, double seconds, double unixNow)
    {
        _scrapes.WithLabels(deployment, target, ok ? "ok" : "failed").Inc();
        _up.WithLabels(deployment, target).Set(ok ? 1 : 0);
        _scrapeDuration.WithLabels(deployment, target).Set(seconds);
        if (ok) _lastSuccess.WithLabels(deployment, target).Set(unixNow);
        else _lastSuccess.WithLabels(deployment, target).IncTo(0);   // present from the first attempt, 0 until one succeeds
    }

    public void Stale(string deployment, string target, bool stale) => _stale.WithLabels(deployment, target).Set(stale ? 1 : 0);

    public void Observed(string deployment, int replica, string counter, double value) =>
        _observedCount.WithLabels(deployment, replica.ToString(System.Globalization.CultureInfo.InvariantCulture), counter).Set(value);

    public void KvBlocks(string deployment, int replica, int blocks) =>
        _kvBlocks.WithLabels(deployment, replica.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(blocks);
}
