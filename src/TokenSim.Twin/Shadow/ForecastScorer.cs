using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Scores a replica's forecasts on the production clock: at an engine snapshot, at most once per
/// <see cref="IntervalSeconds"/> of production time, it forecasts each horizon ahead from the twin's state and holds
/// the forecast's spread over its seeds (<see cref="SeedSpread"/>) with the snapshot's values (the naive forecast).
/// When a later snapshot reaches a forecast's target time, the snapshot nearest that time is the observation both
/// are scored against: the median's absolute error beside the naive one's (the median is the point forecast whose
/// expected absolute error is least; the seeds' mean is not, where their spread is skewed), whether the p10–p90 interval
/// covered it, and the pinball loss of p10, p50 and p90. The interval scored is the ensemble's moved by the errors
/// of the intervals scored before it (<see cref="IntervalCalibration"/>). KV use is scored only where the engine
/// reports it. A
/// <see cref="ForecastBudget"/> bounds the CPU time scoring takes from ingest.
/// </summary>
public sealed class ForecastScorer
{
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<(string Metric, double Horizon), IntervalCalibration> _calibration = [];
    private readonly Dictionary<(string Metric, double Horizon), (long N, double Err, double Naive, double Signed, long Covered, double Pinball)> _scores = [];
    private Snapshot? _previous;
    private double _lastIssue = double.NegativeInfinity;

    public ForecastScorer(double intervalSeconds, IReadOnlyList<double> horizons, int seeds, ForecastBudget? budget = null)
    {
        Budget = budget;
        if (!(intervalSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(intervalSeconds), "The scoring interval must be positive.");
        if (horizons.Count == 0 || horizons.Any(h => !(h > 0))) throw new ArgumentException("Scoring needs at least one horizon, each positive.", nameof(horizons));
        IntervalSeconds = intervalSeconds;
        Horizons = horizons.Distinct().Order().ToArray();
        Seeds = seeds;
        // One run samples every horizon: its step divides them all (to the millisecond).
        long g = 0;
        foreach (double h in Horizons) g = Gcd(g, (long)Math.Round(h * 1000));
        Step = Math.Max(g, 1) / 1000.0;
    }

    public double IntervalSeconds { get; }
    public double[] Horizons { get; }
    public int Seeds { get; }
    public double Step { get; }
    /// <summary>The CPU time the forecasts may take (shared with other replicas); null = no limit.</summary>
    public ForecastBudget? Budget { get; }
    /// <summary>Forecasts issued so far.</summary>
    public long Issued { get; private set; }
    /// <summary>Forecasts due but skipped because the budget was spent.</summary>
    public long Skipped { get; private set; }
    /// <summary>Engine steps the scored forecasts simulated.</summary>
    public long Steps { get; private set; }

    public ForecastScore[] Scores => _scores.OrderBy(kv => kv.Key.Metric).ThenBy(kv => kv.Key.Horizon)
        .Select(kv => new ForecastScore(kv.Key.Metric, kv.Key.Horizon, kv.Value.N, kv.Value.Err, kv.Value.Naive, kv.Value.Signed, kv.Value.Covered, kv.Value.Pinball)).ToArray();

    /// <summary>An engine snapshot observed at production time <paramref name="time"/>, after the twin reached it.</summary>
    public void OnSnapshot(double time, int running, int waiting, double? kv, Func<ForecastSpec, ReplicaForecast> forecast)
    {
        var now = new Snapshot(time, running, waiting, kv);
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            var p = _pending[i];
            if (p.Target > time) continue;
            _pending.RemoveAt(i);
            var observed = _previous is { } prev && prev.Time > p.Issued && p.Target - prev.Time < time - p.Target ? prev : now;
            Score("running", p.Horizon, p.Running, p.Naive.Running, observed.Running);
            Score("waiting", p.Horizon, p.Waiting, p.Naive.Waiting, observed.Waiting);
            if (p.Kv is { } f && p.Naive.Kv is { } n && observed.Kv is { } o) Score("kv", p.Horizon, f, n, o);
        }
        _previous = now;
        if (time - _lastIssue < IntervalSeconds - 1e-9) return;
        if (Budget is not null && !Budget.TryStart()) { Skipped++; return; }
        _lastIssue = time;
        Issued++;
        double started = ThreadCpuClock.Seconds();
        var result = forecast(new ForecastSpec { HorizonSeconds = Horizons[^1], StepSeconds = Step, Seeds = Seeds });
        Budget?.Spend(ThreadCpuClock.Seconds() - started);
        Steps += result.SimulatedSteps;
        foreach (double h in Horizons)
        {
            int k = (int)Math.Round(h / Step) - 1;
            _pending.Add(new Pending(time, h, time + h, Issue("running", h, At(result.Running, k)), Issue("waiting", h, At(result.Waiting, k)),
                kv is null ? null : Issue("kv", h, At(result.KvUsage, k, max: 1), max: 1), now));
        }
    }

    /// <summary>The widening each metric's intervals have learned at each horizon.</summary>
    public IntervalWidening[] Widening => _calibration.OrderBy(kv => kv.Key.Metric, StringComparer.Ordinal).ThenBy(kv => kv.Key.Horizon)
        .Select(kv => new IntervalWidening(kv.Key.Metric, kv.Key.Horizon, kv.Value.Lower80, kv.Value.Upper80, kv.Value.Widening99)).ToArray();

    /// <summary>The calibration of one metric's intervals at one horizon (<see cref="IntervalCalibration"/>).</summary>
    public IntervalCalibration Calibration(string metric, double horizon) =>
        _calibration.TryGetValue((metric, horizon), out var c) ? c : _calibration[(metric, horizon)] = new IntervalCalibration();

    private IssuedSpread Issue(string metric, double horizon, SeedSpread raw, double max = double.PositiveInfinity) =>
        new(raw, Calibration(metric, horizon).Widen(raw, max));

    private void Score(string metric, double horizon, IssuedSpread issued, double naive, double observed)
    {
        var forecast = issued.Widened;
        Calibration(metric, horizon).Observe(issued.Raw, observed);
        _scores.TryGetValue((metric, horizon), out var s);
        double median = forecast.P50;
        _scores[(metric, horizon)] = (s.N + 1, s.Err + Math.Abs(median - observed), s.Naive + Math.Abs(naive - observed), s.Signed + median - observed,
            s.Covered + (forecast.Covers(observed) ? 1 : 0), s.Pinball + PredictiveQuantiles.Pinball(forecast, observed));
    }

    private static SeedSpread At(float[][] bySeed, int step, double max = double.PositiveInfinity) =>
        ForecastSummary.Spread(bySeed.Select(v => (double)v[step]).ToArray(), max);

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    private readonly record struct Snapshot(double Time, int Running, int Waiting, double? Kv);
    /// <summary>A forecast's ensemble quantiles and the interval issued from them, widened by the scores before it.</summary>
    private readonly record struct IssuedSpread(SeedSpread Raw, SeedSpread Widened);
    private readonly record struct Pending(double Issued, double Horizon, double Target, IssuedSpread Running, IssuedSpread Waiting, IssuedSpread? Kv, Snapshot Naive);
}
