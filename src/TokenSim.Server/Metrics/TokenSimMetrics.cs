using Prometheus;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Metrics;

/// <summary>
/// Every Prometheus metric the server exports, created with prometheus-net's own types so the exported names are
/// exactly these constants (docs/metrics.md lists them).
/// </summary>
public sealed class TokenSimMetrics
{
    public const string EventsIngested = "tokensim_events_ingested_total";
    public const string ReplicaRunning = "tokensim_replica_running_requests";
    public const string ReplicaWaiting = "tokensim_replica_waiting_requests";
    public const string ReplicaKvUsage = "tokensim_replica_kv_usage_ratio";
    public const string Ttft = "tokensim_ttft_seconds";
    public const string Tpot = "tokensim_tpot_seconds";
    public const string PredictionError = "tokensim_prediction_abs_error_ratio";
    public const string IngestLatency = "tokensim_ingest_batch_duration_seconds";
    public const string StepCorrection = "tokensim_step_correction";
    public const string StepCorrectionWindows = "tokensim_step_correction_windows";

    private readonly Counter _events;
    private readonly Gauge _running, _waiting, _kv, _correction, _correctionWindows;
    private readonly Histogram _ttft, _tpot, _error, _ingest;

    public TokenSimMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _events = f.CreateCounter(EventsIngested, "Events received, by deployment, event type and outcome (applied, duplicate, late, invalid).", "deployment", "type", "outcome");
        _running = f.CreateGauge(ReplicaRunning, "Requests running on a replica: observed (last engine snapshot) or simulated (the twin).", "deployment", "replica", "source");
        _waiting = f.CreateGauge(ReplicaWaiting, "Requests waiting on a replica: observed (last engine snapshot) or simulated (the twin).", "deployment", "replica", "source");
        _kv = f.CreateGauge(ReplicaKvUsage, "KV cache use of a replica as a fraction of its blocks: observed or simulated.", "deployment", "replica", "source");
        _correction = f.CreateGauge(StepCorrection, "A replica's online step correction: each term (kernel_scale, a factor; prefill_step_seconds, added to each step with prefill) as fitted (stat=value) and its standard error (stat=stderr, absent until sized).", "deployment", "replica", "term", "stat");
        _correctionWindows = f.CreateGauge(StepCorrectionWindows, "Decode windows (finished requests) a replica's online step correction was last fitted over; 0 = not fitted yet.", "deployment", "replica");
        var latency = new HistogramConfiguration { LabelNames = ["deployment", "source"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 18) };
        _ttft = f.CreateHistogram(Ttft, "Time to first token per finished request: predicted at arrival or observed.", latency);
        _tpot = f.CreateHistogram(Tpot, "Time per output token per finished request: predicted at arrival or observed.", latency);
        _error = f.CreateHistogram(PredictionError, "Per-request |predicted - observed| / observed, by metric (ttft, tpot, e2e).",
            new HistogramConfiguration { LabelNames = ["deployment", "metric"], Buckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        _ingest = f.CreateHistogram(IngestLatency, "Time from receiving a batch to acknowledging it (all its events applied).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
    }

    public CollectorRegistry Registry { get; }

    public void CountEvent(string deployment, string type, EventOutcomeKind outcome, long count = 1) =>
        _events.WithLabels(deployment, type, OutcomeLabel(outcome)).Inc(count);

    public static string OutcomeLabel(EventOutcomeKind o) => o switch
    {
        EventOutcomeKind.Applied => "applied",
        EventOutcomeKind.Duplicate => "duplicate",
        EventOutcomeKind.Late => "late",
        _ => "invalid",
    };

    public void ObserveIngest(double seconds) => _ingest.Observe(seconds);

    public void Update(string deployment, ReplicaStatus s)
    {
        string replica = s.Replica.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _running.WithLabels(deployment, replica, "simulated").Set(s.SimulatedRunning);
        _waiting.WithLabels(deployment, replica, "simulated").Set(s.SimulatedWaiting);
        _kv.WithLabels(deployment, replica, "simulated").Set(s.SimulatedKvUsage);
        if (s.ObservedRunning is { } r) _running.WithLabels(deployment, replica, "observed").Set(r);
        if (s.ObservedWaiting is { } w) _waiting.WithLabels(deployment, replica, "observed").Set(w);
        if (s.ObservedKvUsage is { } kv) _kv.WithLabels(deployment, replica, "observed").Set(kv);
        if (s.StepCorrection is { } c)
        {
            _correctionWindows.WithLabels(deployment, replica).Set(c.Windows);
            Term("kernel_scale", c.KernelScale, c.KernelScaleStdErr);
            Term("prefill_step_seconds", c.PrefillStepSeconds, c.PrefillStepStdErr);

            void Term(string term, double value, double stderr)
            {
                _correction.WithLabels(deployment, replica, term, "value").Set(value);
                if (double.IsFinite(stderr)) _correction.WithLabels(deployment, replica, term, "stderr").Set(stderr);
                else _correction.RemoveLabelled(deployment, replica, term, "stderr");
            }
        }
    }

    public void Completed(string deployment, RequestAccuracy r)
    {
        Pair(_ttft, deployment, "ttft", r.PredictedTtftSeconds, r.ObservedTtftSeconds);
        Pair(_tpot, deployment, "tpot", r.PredictedTpotSeconds, r.ObservedTpotSeconds);
        Pair(null, deployment, "e2e", r.PredictedE2eSeconds, r.ObservedE2eSeconds);
    }

    private void Pair(Histogram? h, string deployment, string metric, double? predicted, double? observed)
    {
        if (predicted is { } p) h?.WithLabels(deployment, "predicted").Observe(p);
        if (observed is { } o)
        {
            h?.WithLabels(deployment, "observed").Observe(o);
            if (predicted is { } pp && o > 0) _error.WithLabels(deployment, metric).Observe(Math.Abs(pp - o) / o);
        }
    }
}
