using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A quantity over a forecast's seeds at one step: their mean and median, and the p10, p90 and p99 of one more draw
/// (<see cref="PredictiveQuantiles"/>); P10 ≤ P50 ≤ P90 ≤ P99.
/// </summary>
public readonly record struct SeedSpread(double Expected, double P10, double P50, double P90, double P99)
{
    public bool Covers(double observed) => observed >= P10 && observed <= P90;

    /// <summary>
    /// The interval's bounds moved by learned amounts, p10 down by <paramref name="lower80"/> and p90 up by
    /// <paramref name="upper80"/> (negative: the other way), within [0, <paramref name="max"/>] and ordered around
    /// the median; the median and mean stay.
    /// </summary>
    public SeedSpread Widen(double lower80, double upper80, double widening99, double max = double.PositiveInfinity)
    {
        if (lower80 == 0 && upper80 == 0 && widening99 == 0) return this;
        double p10 = Math.Min(P50, Math.Clamp(P10 - lower80, 0, max));
        double p90 = Math.Max(P50, Math.Clamp(P90 + upper80, 0, max));
        double p99 = Math.Max(p90, Math.Clamp(P99 + widening99, 0, max));
        return this with { P10 = p10, P90 = p90, P99 = p99 };
    }
}

/// <summary>A latency's percentiles over the requests measured within a step (null when there were none).</summary>
public readonly record struct LatencySpread(int Requests, double? P10, double? P50, double? P90, double? P99);

/// <summary>Quantiles of the seconds until the KV cache is exhausted over every seed; null where beyond the horizon.</summary>
public readonly record struct ExhaustionQuantiles(double? P10, double? P50, double? P90, double? P99);

public sealed record ForecastStepSummary(double AheadSeconds, SeedSpread Running, SeedSpread Waiting, SeedSpread KvUsage, LatencySpread Ttft, LatencySpread Tpot);

/// <summary>Summaries of forecasts over their seeds, per replica and for a whole deployment.</summary>
public static class ForecastSummary
{
    public static ForecastStepSummary[] Of(ReplicaForecast f) => Of([f], f.StepSeconds);

    /// <summary>
    /// A deployment's steps: running and waiting summed over its replicas within each seed (seeds are independent
    /// draws, so the total's spread is the spread of per-seed totals), KV use averaged, latencies pooled; intervals
    /// widened as the replicas' scored ones learned (<see cref="Widening"/>).
    /// </summary>
    public static ForecastStepSummary[] Of(IReadOnlyList<ReplicaForecast> replicas, double step)
    {
        if (replicas.Count == 0) return [];
        int steps = replicas[0].Steps, seeds = replicas[0].Seeds;
        var result = new ForecastStepSummary[steps];
        var running = new double[seeds];
        var waiting = new double[seeds];
        var kv = new double[seeds];
        for (int k = 0; k < steps; k++)
        {
            for (int s = 0; s < seeds; s++)
            {
                running[s] = replicas.Sum(r => (double)r.Running[s][k]);
                waiting[s] = replicas.Sum(r => (double)r.Waiting[s][k]);
                kv[s] = replicas.Average(r => (double)r.KvUsage[s][k]);
            }
            double ahead = (k + 1) * step;
            var wr = Widening(replicas, "running", ahead, sum: true);
            var ww = Widening(replicas, "waiting", ahead, sum: true);
            var wk = Widening(replicas, "kv", ahead, sum: false);
            result[k] = new ForecastStepSummary(ahead, Spread(running).Widen(wr.Lower80, wr.Upper80, wr.W99),
                Spread(waiting).Widen(ww.Lower80, ww.Upper80, ww.W99), Spread(kv, max: 1).Widen(wk.Lower80, wk.Upper80, wk.W99, max: 1),
                Latency(replicas.SelectMany(r => r.TtftSeconds[k])), Latency(replicas.SelectMany(r => r.TpotSeconds[k])));
        }
        return result;
    }

    /// <summary>
    /// The widening of a metric's interval at <paramref name="ahead"/> seconds: each replica's learned widening
    /// (<see cref="ReplicaForecast.Widening"/>) interpolated linearly between its scored horizons, from none at 0 s and
    /// held beyond the longest; summed over replicas for a total (errors of a sum add at worst), averaged for KV use.
    /// </summary>
    public static (double Lower80, double Upper80, double W99) Widening(IReadOnlyList<ReplicaForecast> replicas, string metric, double ahead, bool sum)
    {
        double lo = 0, hi = 0, w99 = 0;
        foreach (var r in replicas)
        {
            var w = WideningAt(r.Widening, metric, ahead);
            lo += w.Lower80;
            hi += w.Upper80;
            w99 += w.W99;
        }
        int n = sum || replicas.Count == 0 ? 1 : replicas.Count;
        return (lo / n, hi / n, w99 / n);
    }

    private static (double Lower80, double Upper80, double W99) WideningAt(IntervalWidening[] widening, string metric, double ahead)
    {
        double h0 = 0, lo = 0, hi = 0, w99 = 0;
        foreach (var w in widening.Where(w => w.Metric == metric).OrderBy(w => w.HorizonSeconds))
        {
            if (ahead <= w.HorizonSeconds)
            {
                double f = (ahead - h0) / (w.HorizonSeconds - h0);
                return (lo + f * (w.Lower80 - lo), hi + f * (w.Upper80 - hi), w99 + f * (w.Widening99 - w99));
            }
            (h0, lo, hi, w99) = (w.HorizonSeconds, w.Lower80, w.Upper80, w.Widening99);
        }
        return (lo, hi, w99);
    }

    /// <summary>The fraction of seeds whose KV cache was exhausted within the horizon, and the median time to it among them.</summary>
    public static (double Probability, double? MedianSeconds) KvExhaustion(ReplicaForecast f)
    {
        var hit = f.KvExhaustedSeconds.Where(double.IsFinite).Order().ToArray();
        return hit.Length == 0 ? (0, null) : ((double)hit.Length / f.KvExhaustedSeconds.Length, Quantile(hit, 0.5));
    }

    /// <summary>
    /// Quantiles over every seed of the time to exhaustion, a seed not exhausted within the horizon counting as
    /// later than any that was (so a quantile reaching one is beyond the horizon: null).
    /// </summary>
    public static ExhaustionQuantiles KvExhaustionQuantiles(ReplicaForecast f)
    {
        var all = f.KvExhaustedSeconds.Select(x => double.IsFinite(x) ? x : double.PositiveInfinity).Order().ToArray();
        if (all.Length == 0) return default;
        double? Q(double q) => Quantile(all, q) is var x && double.IsFinite(x) ? x : null;
        return new ExhaustionQuantiles(Q(0.1), Q(0.5), Q(0.9), Q(0.99));
    }

    /// <summary>
    /// The seeds' mean and median, and the p10, p90 and p99 of one more draw (<see cref="PredictiveQuantiles"/>),
    /// within the quantity's range [0, <paramref name="max"/>] and ordered around the median.
    /// </summary>
    public static SeedSpread Spread(double[] values, double max = double.PositiveInfinity)
    {
        var sorted = values.Order().ToArray();
        double mean = values.Average(), median = Quantile(sorted, 0.5);
        double sd = values.Length < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        double At(double q) => Math.Clamp(PredictiveQuantiles.Of(mean, sd, values.Length, q), 0, max);
        double p90 = Math.Max(median, At(0.9));
        return new SeedSpread(mean, Math.Min(median, At(0.1)), median, p90, Math.Max(p90, At(0.99)));
    }

    private static LatencySpread Latency(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? new LatencySpread(0, null, null, null, null)
            : new LatencySpread(sorted.Length, Quantile(sorted, 0.1), Quantile(sorted, 0.5), Quantile(sorted, 0.9), Quantile(sorted, 0.99));
    }

    /// <summary>Linear interpolation between closest ranks of sorted values (an infinite rank makes it infinite).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        if (pos == lo) return sorted[lo];
        return double.IsInfinity(sorted[hi]) ? sorted[hi] : sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
