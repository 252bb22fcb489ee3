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
    /// <summary>Snapshots not yet scored: those from the one whose forecast is in flight on.</summary>
    private readonly Queue<Queued> _queue = new();
    /// <summary>The CPU time the last forecast collected took to run: what the next one reserves of the budget.</summary>
    private double _lastRunSeconds;
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
    public void OnSnapshot(double time, int running, int waiting, double? kv, Func<ForecastSpec, ReplicaForecast> forecast) =>
        OnSnapshot(time, running, waiting, kv, spec => () => forecast(spec), null);

    /// <summary>
    /// An engine snapshot observed at production time <paramref name="time"/>, after the twin reached it. A forecast
    /// due takes its inputs now (<paramref name="prepare"/>) and runs the function it returns on
    /// <paramref name="scheduler"/> (null: here); while <see cref="MaxInFlight"/> run, a forecast due runs here, and
    /// later snapshots wait, in order, to be scored until it is collected (<see cref="Collect"/>). The scores are
    /// therefore those of forecasts run at their snapshots: a forecast issued at t is scored only by snapshots after t,
    /// with the widening learned from the scores before it.
    /// </summary>
    public void OnSnapshot(double time, int running, int waiting, double? kv, Func<ForecastSpec, Func<ReplicaForecast>> prepare, TaskScheduler? scheduler)
    {
        Task<Ran>? issued = null;
        if (time - _lastIssue >= IntervalSeconds - 1e-9)
        {
            if (Budget is not null && !Budget.TryStart()) Skipped++;
            else
            {
                _lastIssue = time;
                Issued++;
                double started = ThreadCpuClock.Seconds();
                var run = prepare(new ForecastSpec { HorizonSeconds = Horizons[^1], StepSeconds = Step, Seeds = Seeds });
                // The run's cost is taken out now, estimated by the last one's, and corrected when it ends: taken only
                // at the end, the forecasts started while others run would all find the bucket full.
                double reserved = _lastRunSeconds;
                Budget?.Spend(ThreadCpuClock.Seconds() - started + reserved);
                // Beyond the bound it runs here rather than being skipped: which snapshots issue a forecast is then
                // the budget's choice alone, as on the turn, and the scores are the same.
                issued = scheduler is null || InFlight >= MaxInFlight ? Task.FromResult(Timed(run, reserved))
                    : Task.Factory.StartNew(() => Timed(run, reserved), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler);
            }
        }
        _queue.Enqueue(new Queued(new Snapshot(time, running, waiting, kv), issued));
        Collect();
    }

    /// <summary>
    /// Forecasts a replica may have running off its turn; one due beyond it runs on the turn, as with no scheduler.
    /// Each holds its seeds' forks, so this bounds the memory a replica whose forecasts run slower than they are due
    /// can hold, and how many snapshots wait to be scored behind them. Skipping instead changed which snapshots issue
    /// a forecast whenever the thread pool lagged (a replay at 20x on a busy machine skipped 3 of 67), and with them
    /// the scores.
    /// </summary>
    public const int MaxInFlight = 4;

    /// <summary>The oldest forecast issued and not yet finished, or null.</summary>
    public Task? Running => _queue.FirstOrDefault(q => q.Forecast is { IsCompleted: false }).Forecast;

    /// <summary>Every forecast issued and not yet finished, oldest first.</summary>
    public Task[] AllRunning => [.. _queue.Where(q => q.Forecast is { IsCompleted: false }).Select(q => (Task)q.Forecast!)];

    private int InFlight => _queue.Count(q => q.Forecast is { IsCompleted: false });

    /// <summary>
    /// Scores the snapshots queued, in order, up to the first whose forecast has not finished, and holds each finished
    /// forecast for the snapshots after it. A failed forecast throws here, and again at every later call.
    /// </summary>
    public void Collect()
    {
        while (_queue.TryPeek(out var head))
        {
            if (head.Forecast is { IsCompleted: false }) return;
            var ran = head.Forecast?.GetAwaiter().GetResult();
            _queue.Dequeue();
            ScoreAt(head.Now);
            if (ran is not { } r) continue;
            _lastRunSeconds = r.CpuSeconds;
            Hold(head.Now, r.Forecast);
        }
    }

    private Ran Timed(Func<ReplicaForecast> run, double reserved)
    {
        double started = ThreadCpuClock.Seconds();
        var result = run();
        double seconds = ThreadCpuClock.Seconds() - started;
        Budget?.Spend(seconds - reserved);
        return new Ran(result, seconds);
    }

    private void ScoreAt(Snapshot now)
    {
        double time = now.Time;
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
    }

    private void Hold(Snapshot now, ReplicaForecast result)
    {
        Steps += result.SimulatedSteps;
        foreach (double h in Horizons)
        {
            int k = (int)Math.Round(h / Step) - 1;
            _pending.Add(new Pending(now.Time, h, now.Time + h, Issue("running", h, At(result.Running, k)), Issue("waiting", h, At(result.Waiting, k)),
                now.Kv is null ? null : Issue("kv", h, At(result.KvUsage, k, max: 1), max: 1), now));
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
        Calibration(metric, horizon).Observe(issued.Raw, forecast, observed);
        _scores.TryGetValue((metric, horizon), out var s);
        double median = forecast.P50;
        _scores[(metric, horizon)] = (s.N + 1, s.Err + Math.Abs(median - observed), s.Naive + Math.Abs(naive - observed), s.Signed + median - observed,
            s.Covered + (forecast.Covers(observed) ? 1 : 0), s.Pinball + PredictiveQuantiles.Pinball(forecast, observed));
    }

    private static SeedSpread At(float[][] bySeed, int step, double max = double.PositiveInfinity) =>
        ForecastSummary.Spread(bySeed.Select(v => (double)v[step]).ToArray(), max);

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    private readonly record struct Queued(Snapshot Now, Task<Ran>? Forecast);
    private readonly record struct Ran(ReplicaForecast Forecast, double CpuSeconds);
    private readonly record struct Snapshot(double Time, int Running, int Waiting, double? Kv);
    /// <summary>A forecast's ensemble quantiles and the interval issued from them, widened by the scores before it.</summary>
    private readonly record struct IssuedSpread(SeedSpread Raw, SeedSpread Widened);
    private readonly record struct Pending(double Issued, double Horizon, double Target, IssuedSpread Running, IssuedSpread Waiting, IssuedSpread? Kv, Snapshot Naive);
}
