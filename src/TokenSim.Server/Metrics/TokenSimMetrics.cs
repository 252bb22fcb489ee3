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
        var g = ReplicaGauges(deployment, s.Replica);
        string replica = g.Replica;
        Child(ref g.SimulatedRunning, _running, "simulated").Set(s.SimulatedRunning);
        Child(ref g.SimulatedWaiting, _waiting, "simulated").Set(s.SimulatedWaiting);
        Child(ref g.SimulatedKv, _kv, "simulated").Set(s.SimulatedKvUsage);
        if (s.ObservedRunning is { } r) Child(ref g.ObservedRunning, _running, "observed").Set(r);
        if (s.ObservedWaiting is { } w) Child(ref g.ObservedWaiting, _waiting, "observed").Set(w);
        if (s.ObservedKvUsage is { } kv) Child(ref g.ObservedKv, _kv, "observed").Set(kv);
        if (s.StepCorrection is { } c)
        {
            (g.CorrectionWindows ??= _correctionWindows.WithLabels(deployment, replica)).Set(c.Windows);
            (g.KernelScale ??= _correction.WithLabels(deployment, replica, "kernel_scale", "value")).Set(c.KernelScale);
            (g.PrefillStep ??= _correction.WithLabels(deployment, replica, "prefill_step_seconds", "value")).Set(c.PrefillStepSeconds);
            Stderr("kernel_scale", c.KernelScaleStdErr);
            Stderr("prefill_step_seconds", c.PrefillStepStdErr);
        }

        // Made at its first value, as before: a series appears once the replica has something to export in it.
        Gauge.Child Child(ref Gauge.Child? held, Gauge family, string source) => held ??= family.WithLabels(deployment, replica, source);

        // Not held: removed while unsized, and a removed child written to again is not exported.
        void Stderr(string term, double stderr)
        {
            if (double.IsFinite(stderr)) _correction.WithLabels(deployment, replica, term, "stderr").Set(stderr);
            else _correction.RemoveLabelled(deployment, replica, term, "stderr");
        }
    }

    public void Completed(string deployment, RequestAccuracy r)
    {
        var h = DeploymentHistograms(deployment);
        if (r.PredictedTtftSeconds is { } pt) (h.TtftPredicted ??= _ttft.WithLabels(deployment, "predicted")).Observe(pt);
        if (r.ObservedTtftSeconds is { } ot) (h.TtftObserved ??= _ttft.WithLabels(deployment, "observed")).Observe(ot);
        if (r.PredictedTpotSeconds is { } pp) (h.TpotPredicted ??= _tpot.WithLabels(deployment, "predicted")).Observe(pp);
        if (r.ObservedTpotSeconds is { } op) (h.TpotObserved ??= _tpot.WithLabels(deployment, "observed")).Observe(op);
        if (Error(r.PredictedTtftSeconds, r.ObservedTtftSeconds) is { } et) (h.TtftError ??= _error.WithLabels(deployment, "ttft")).Observe(et);
        if (Error(r.PredictedTpotSeconds, r.ObservedTpotSeconds) is { } ep) (h.TpotError ??= _error.WithLabels(deployment, "tpot")).Observe(ep);
        if (Error(r.PredictedE2eSeconds, r.ObservedE2eSeconds) is { } ee) (h.E2eError ??= _error.WithLabels(deployment, "e2e")).Observe(ee);
    }

    private static double? Error(double? predicted, double? observed) =>
        predicted is { } p && observed is { } o && o > 0 ? Math.Abs(p - o) / o : null;

    // The labelled children each batch writes, looked up once per deployment and replica rather than per batch and
    // per request: with eight replicas a batch of 100 events took ~80 label lookups and their label arrays.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Deployment, int Replica), Gauges> _gauges = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Histograms> _histograms = new(StringComparer.Ordinal);

    private Gauges ReplicaGauges(string deployment, int replica) =>
        _gauges.GetOrAdd((deployment, replica), k => new Gauges { Replica = k.Replica.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private Histograms DeploymentHistograms(string deployment) => _histograms.GetOrAdd(deployment, _ => new Histograms());

    /// <summary>A replica's children, each made at its first value (a child made is exported, with 0 until set).</summary>
    private sealed class Gauges
    {
        public required string Replica { get; init; }
        public Gauge.Child? SimulatedRunning, SimulatedWaiting, SimulatedKv, ObservedRunning, ObservedWaiting, ObservedKv, CorrectionWindows, KernelScale, PrefillStep;
    }

    /// <summary>A deployment's children, each made at its first observation.</summary>
    private sealed class Histograms
    {
        public Histogram.Child? TtftPredicted, TtftObserved, TpotPredicted, TpotObserved, TtftError, TpotError, E2eError;
    }
}
