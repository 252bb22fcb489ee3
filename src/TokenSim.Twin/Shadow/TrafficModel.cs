using TokenSim.Twin.Abstractions;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Learns a replica's traffic from its arrivals for forecasts: rate and trend over a recent window, burstiness, and
/// the prompt and max_tokens lengths of recent requests, and how much of each prompt the prefix cache held.
/// </summary>
/// <remarks>
/// The rate is the window's mean unless a straight line through its per-bin counts has a slope beyond two standard
/// errors of Poisson counts; then it is that line's value now, so a burst that stops (or a ramp) shows within a few
/// seconds instead of lingering in the window's mean.
/// The lengths are those of the same window's arrivals (at least the latest one, at most
/// <see cref="LengthWindow"/>): the traffic a forecast draws is the window's, its rate and its lengths alike. Kept
/// for the last 256 arrivals instead, a replica at 4 requests/s drew lengths from the last 64 s, which on the Azure
/// conv trace still held its first 100 requests (170 output tokens on average, against 290 after them) 60 s on: the
/// drawn requests were a quarter shorter than those arriving, and the forecast's running count fell below
/// production's at every horizon (docs/forecast.md).
/// </remarks>
public sealed class TrafficModel(double windowSeconds = 10, int lengthWindow = 256)
{
    private const int Bins = 10;

    /// <summary>
    /// Standard errors beyond which the window's slope is a trend: two, the convention of a two-sided test at the
    /// 4.55% level (2(1 − Φ(2))). A stationary Poisson stream shows a trend in that share of its windows; below it a
    /// forecast's seeds draw no slope (<see cref="TrafficEstimate.Draw"/>).
    /// </summary>
    public const double TrendTestStdErrs = 2;

    private readonly Queue<double> _times = new();
    private readonly Queue<(double Time, int Prompt, int MaxTokens, Request? Live)> _lengths = new();
    private double _first = double.NaN;

    public double WindowSeconds { get; } = windowSeconds > 0 ? windowSeconds : throw new ArgumentOutOfRangeException(nameof(windowSeconds), "The traffic window must be positive.");
    public int LengthWindow { get; } = lengthWindow >= 1 ? lengthWindow : throw new ArgumentOutOfRangeException(nameof(lengthWindow), "The length window must hold at least 1 request.");

    /// <summary>
    /// One arrival at production time <paramref name="time"/> (non-decreasing); <paramref name="live"/>, the live
    /// simulation's request, tells once the engine admitted it how many of its prompt tokens the prefix cache held.
    /// </summary>
    public void Observe(double time, int promptTokens, int maxTokens, Request? live = null)
    {
        if (double.IsNaN(_first)) _first = time;
        _times.Enqueue(time);
        _lengths.Enqueue((time, promptTokens, maxTokens, live));
        if (_lengths.Count > LengthWindow) _lengths.Dequeue();
        while (_lengths.Count > 1 && _lengths.Peek().Time <= time - WindowSeconds) _lengths.Dequeue();
        while (_times.Count > 0 && _times.Peek() < time - WindowSeconds) _times.Dequeue();
    }

    public TrafficEstimate Estimate(double now)
    {
        if (double.IsNaN(_first)) return TrafficEstimate.None;
        double elapsed = Math.Max(0, now - _first);
        // A young stream is judged over what there is of it, not diluted by a window it has not lived through.
        double window = Math.Min(WindowSeconds, elapsed);
        double start = now - window;
        var inWindow = _times.Where(t => t > start && t <= now).ToArray();
        double rate = 0, trend = 0, se = 0, cv = 1;
        if (window > 0 && inWindow.Length > 0)
        {
            rate = inWindow.Length / window;
            (rate, trend, se) = Trend(inWindow, start, window, rate);
            cv = Cv(inWindow);
        }
        return new TrafficEstimate
        {
            RatePerSecond = rate, TrendPerSecond2 = trend, WindowSeconds = window,
            RateShape = window > 0 ? inWindow.Length + 0.5 : 0, TrendStdErr = se, InterArrivalCv = cv, ElapsedSeconds = elapsed,
            PromptTokens = _lengths.Select(l => l.Prompt).ToArray(), MaxTokens = _lengths.Select(l => l.MaxTokens).ToArray(),
            CachedPromptTokens = _lengths.Any(l => l.Live is not null) ? _lengths.Select(l => Cached(l.Live)).ToArray() : [],
        };
    }

    /// <summary>
    /// The live requests behind <see cref="Estimate"/>'s lengths, index for index (null where unknown), for a forecast
    /// of this replica to copy their prompts' cached prefixes from.
    /// </summary>
    public Request?[] Sources() => _lengths.Select(l => l.Live).ToArray();

    private static int Cached(Request? live) => live is null || double.IsNaN(live.ScheduledTime) ? 0 : live.CachedPromptTokens;

    /// <summary>
    /// The least-squares line through per-bin rates, kept when its slope exceeds <see cref="TrendTestStdErrs"/> Poisson
    /// standard errors; with that standard error, which a forecast's seeds draw a kept slope with (<see cref="TrafficEstimate.Draw"/>).
    /// </summary>
    private static (double Rate, double Trend, double StdErr) Trend(double[] times, double start, double window, double mean)
    {
        double width = window / Bins;
        var counts = new double[Bins];
        foreach (double t in times) counts[Math.Clamp((int)((t - start) / width), 0, Bins - 1)]++;
        double xMean = window / 2, sxx = 0, sxy = 0;
        for (int j = 0; j < Bins; j++)
        {
            double x = (j + 0.5) * width - xMean;
            sxx += x * x;
            sxy += x * (counts[j] / width - mean);
        }
        double slope = sxy / sxx;
        // A bin's count is Poisson with mean n / Bins, so its rate has variance mean / width.
        double se = Math.Sqrt(mean / width / sxx);
        if (Math.Abs(slope) <= TrendTestStdErrs * se) return (mean, 0, se);
        return (Math.Max(0, mean + slope * window / 2), slope, se);
    }

    private static double Cv(double[] times)
    {
        if (times.Length < 4) return 1;
        var gaps = new double[times.Length - 1];
        for (int i = 1; i < times.Length; i++) gaps[i - 1] = times[i] - times[i - 1];
        double m = gaps.Average();
        if (!(m > 0)) return 1;
        double v = gaps.Sum(g => (g - m) * (g - m)) / (gaps.Length - 1);
        return Math.Clamp(Math.Sqrt(v) / m, 0.2, 5);
    }
}
