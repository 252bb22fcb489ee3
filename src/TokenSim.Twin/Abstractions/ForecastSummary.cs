using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Abstractions;

/// <summary>A quantity over a forecast's seeds at one step: mean, median and 90th percentile.</summary>
public readonly record struct SeedSpread(double Expected, double P50, double P90);

/// <summary>A latency's percentiles over the requests measured within a step (null when there were none).</summary>
public readonly record struct LatencySpread(int Requests, double? P50, double? P90);

public sealed record ForecastStepSummary(double AheadSeconds, SeedSpread Running, SeedSpread Waiting, SeedSpread KvUsage, LatencySpread Ttft, LatencySpread Tpot);

/// <summary>Summaries of forecasts over their seeds, per replica and for a whole deployment.</summary>
public static class ForecastSummary
{
    public static ForecastStepSummary[] Of(ReplicaForecast f) => Of([f], f.StepSeconds);

    /// <summary>
    /// A deployment's steps: running and waiting summed over its replicas within each seed (seeds are independent
    /// draws, so the total's spread is the spread of per-seed totals), KV use averaged, latencies pooled.
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
            result[k] = new ForecastStepSummary((k + 1) * step, Spread(running), Spread(waiting), Spread(kv),
                Latency(replicas.SelectMany(r => r.TtftSeconds[k])), Latency(replicas.SelectMany(r => r.TpotSeconds[k])));
        }
        return result;
    }

    /// <summary>The fraction of seeds whose KV cache was exhausted within the horizon, and the median time to it among them.</summary>
    public static (double Probability, double? MedianSeconds) KvExhaustion(ReplicaForecast f)
    {
        var hit = f.KvExhaustedSeconds.Where(double.IsFinite).Order().ToArray();
        return hit.Length == 0 ? (0, null) : ((double)hit.Length / f.KvExhaustedSeconds.Length, Quantile(hit, 0.5));
    }

    public static SeedSpread Spread(double[] values)
    {
        var sorted = values.Order().ToArray();
        return new SeedSpread(values.Average(), Quantile(sorted, 0.5), Quantile(sorted, 0.9));
    }

    private static LatencySpread Latency(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0 ? new LatencySpread(0, null, null) : new LatencySpread(sorted.Length, Quantile(sorted, 0.5), Quantile(sorted, 0.9));
    }

    /// <summary>Linear interpolation between closest ranks of sorted values.</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
