using TokenSim.Core.Metrics;
using TokenSim.Core.Randomness;

namespace TokenSim.Core.Tests;

/// <summary>
/// A decode run's metrics booked in one pass (<see cref="SimulationMetrics.RecordDecodeRun"/>) against the same steps
/// booked one call at a time: the inter-token latencies of each step end (its batch's count, less the first tokens at
/// the first end) and each step's time and KV use. Counts, sums, min, max and every bucket are the same.
/// </summary>
public class DecodeRunMetricsTests
{
    [Theory]
    [InlineData(1, 0, 64, false)]
    [InlineData(2, 1, 40, false)]
    [InlineData(3, 3, 1, false)]
    [InlineData(4, 0, 300, false)] // longer than any run: the histograms' own path
    [InlineData(5, 1, 30, true)]   // a step of no time: the histograms' own path
    public void OnePass_SameAsOneCallPerStep(int seed, int firstTokens, int steps, bool zeroStep)
    {
        var rng = new SimRandom((ulong)seed);
        var ends = new double[steps + 1];
        var sequences = new int[steps];
        var seconds = new double[steps];
        var free = new int[steps];
        ends[0] = 100 * rng.NextDouble();
        for (int i = 0; i < steps; i++)
        {
            // Step times that grow slowly, with now and then a jump (a finish, another batch), as a run's do.
            seconds[i] = (zeroStep && i == steps / 2) ? 0 : 0.012 + 0.00002 * i + (rng.NextInt(0, 9) == 0 ? 0.01 * rng.NextDouble() : 0);
            ends[i + 1] = ends[i] + seconds[i];
            sequences[i] = i == 0 ? Math.Max(firstTokens, rng.NextInt(1, 8)) : rng.NextInt(1, 8);
            free[i] = rng.NextInt(0, 500);
        }
        const int total = 600;
        var run = new SimulationMetrics();
        var each = new SimulationMetrics();
        // Something booked before, so the run adds to state rather than starting from it.
        foreach (var m in new[] { run, each })
        {
            m.Itl.Add(0.05, 3);
            m.StepSeconds.Add(0.2);
            m.RecordStepTime(0.2, 0.5);
        }

        run.RecordDecodeRun(ends, sequences, firstTokens, seconds, free, total);
        for (int i = 0; i < steps; i++)
        {
            int count = i == 0 ? sequences[0] - firstTokens : sequences[i];
            each.Itl.Add(ends[i + 1] - ends[i], count);
            each.RecordStepTime(seconds[i], (double)(total - free[i]) / total);
        }

        foreach (var (a, b) in new[] { (each.Itl, run.Itl), (each.StepSeconds, run.StepSeconds) })
        {
            Assert.Equal((a.Count, a.Sum, a.Min, a.Max), (b.Count, b.Sum, b.Min, b.Max));
            for (int q = 0; q <= 1000; q++) Assert.Equal(a.Quantile(q / 1000.0), b.Quantile(q / 1000.0));
        }
        Assert.Equal((each.BusySeconds, each.KvUsageIntegral, each.KvUsageMax), (run.BusySeconds, run.KvUsageIntegral, run.KvUsageMax));
    }
}
