using TokenSim.Core.Randomness;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The forecast's intervals against answers worked by hand: Student-t prediction quantiles of a small ensemble, the
/// pinball loss, the conformal widening, and the coverage and loss the scorer reports for a known sequence.
/// </summary>
public sealed class ForecastIntervalTests
{
    // t with 2 degrees of freedom has the closed-form quantile (2p − 1) / √(2p(1 − p)).
    private static readonly double T2At90 = 0.8 / Math.Sqrt(2 * 0.9 * 0.1);   // 1.885618
    private static readonly double T2At99 = 0.98 / Math.Sqrt(2 * 0.99 * 0.01); // 6.964557

    [Fact]
    public void Spread_OfThreeSeeds_IsTheStudentTPredictionInterval()
    {
        // Seeds 8, 10, 12: mean 10, sd 2; one more draw's interval is 10 ± t₂ · 2 · √(1 + 1/3).
        var s = ForecastSummary.Spread([8, 10, 12]);
        double half = T2At90 * 2 * Math.Sqrt(4.0 / 3);
        Assert.Equal(10, s.Expected, 9);
        Assert.Equal(10, s.P50, 9);
        Assert.Equal(10 - half, s.P10, 6);   // 5.645354
        Assert.Equal(10 + half, s.P90, 6);   // 14.354646
        Assert.Equal(10 + T2At99 * 2 * Math.Sqrt(4.0 / 3), s.P99, 6); // 26.084
    }

    [Fact]
    public void PredictiveQuantile_WithManySeeds_TendsToTheNormal()
    {
        // z(0.9) = 1.281552; with n = 10,000 the t quantile and √(1 + 1/n) differ from it by under 1e-3.
        Assert.InRange(PredictiveQuantiles.Of(5, 3, 10_000, 0.9) - (5 + 1.281552 * 3), 0, 1e-3);
        Assert.InRange((5 - 1.281552 * 3) - PredictiveQuantiles.Of(5, 3, 10_000, 0.1), 0, 1e-3);
        // One seed, or seeds that agree: nothing to spread.
        Assert.Equal(7, PredictiveQuantiles.Of(7, 0, 1, 0.9));
        Assert.Equal(7, PredictiveQuantiles.Of(7, 0, 5, 0.1));
    }

    [Fact]
    public void PredictionInterval_OfThreeNormalDraws_CoversAFourthEightyPercentOfTheTime()
    {
        // The empirical range of 3 draws covers a 4th only (n − 1)/(n + 1) = 50% of the time; the t interval 80%.
        var random = new SimRandom(20);
        int covered = 0, inRange = 0, trials = 40_000;
        for (int i = 0; i < trials; i++)
        {
            double[] seeds = [random.NextNormal(), random.NextNormal(), random.NextNormal()];
            double next = random.NextNormal();
            var s = ForecastSummary.Spread(seeds.Select(x => x + 100).ToArray());
            if (s.Covers(next + 100)) covered++;
            if (next >= seeds.Min() && next <= seeds.Max()) inRange++;
        }
        Assert.InRange((double)covered / trials, 0.79, 0.81);
        Assert.InRange((double)inRange / trials, 0.49, 0.51);
    }

    [Fact]
    public void Spread_QuantilesAreOrdered_AndWithinTheQuantitysRange()
    {
        var random = new SimRandom(7);
        for (int trial = 0; trial < 2_000; trial++)
        {
            int n = random.NextInt(1, 12);
            // Skewed, bounded values like KV use (a fraction), often at the bound.
            var values = Enumerable.Range(0, n).Select(_ => Math.Min(1, Math.Max(0, random.NextDouble() * 1.4 - 0.2))).ToArray();
            var s = ForecastSummary.Spread(values, max: 1);
            Assert.True(0 <= s.P10 && s.P10 <= s.P50 && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= 1, $"{string.Join(",", values)}: {s}");
            var w = s.Widen(random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, max: 1);
            Assert.True(0 <= w.P10 && w.P10 <= w.P50 && w.P50 <= w.P90 && w.P90 <= w.P99 && w.P99 <= 1, $"{s} widened: {w}");
        }
    }

    [Fact]
    public void Pinball_IsQTimesTheShortfall_OrOneMinusQTimesTheExcess()
    {
        Assert.Equal(0.3, PredictiveQuantiles.Pinball(0.1, 5, 8), 12);  // 0.1 × 3
        Assert.Equal(2.7, PredictiveQuantiles.Pinball(0.1, 5, 2), 12);  // 0.9 × 3
        Assert.Equal(1.5, PredictiveQuantiles.Pinball(0.5, 5, 8), 12);  // half the absolute error
        Assert.Equal(0, PredictiveQuantiles.Pinball(0.9, 5, 5), 12);
    }

    [Fact]
    public void KvExhaustionQuantiles_CountSeedsNotExhaustedAsBeyondTheHorizon()
    {
        // Sorted: 5, 10, ∞, ∞. p10 at rank 0.3: 5 + 0.3 × 5 = 6.5; p50 at rank 1.5 lies between 10 and ∞: beyond.
        var f = Forecast([[1], [1], [1], [1]]) with { KvExhaustedSeconds = [double.NaN, 5, 10, double.NaN] };
        var q = ForecastSummary.KvExhaustionQuantiles(f);
        Assert.Equal(6.5, q.P10!.Value, 9);
        Assert.Null(q.P50);
        Assert.Null(q.P90);
        Assert.Null(q.P99);
    }

    [Fact]
    public void IntervalCalibration_MovesEachBoundByTheConformalRankOfItsSignedScores()
    {
        var c = new IntervalCalibration();
        var raw = new SeedSpread(15, 10, 15, 20, 30);
        // Scores below, 10 − y: −15, 5, −5, −2, −20, −8, −12, −4 and above, y − 20: 5, −15, −5, −8, 10, −2, 2, −6.
        foreach (double y in new[] { 25.0, 5, 15, 12, 30, 18, 22, 14 }) c.Observe(raw, y);
        Assert.Equal((0, 0), (c.Lower80, c.Upper80)); // rank ⌈0.9 × 9⌉ = 9 > 8 scores: too few to say
        c.Observe(raw, 16); // below −6, above −4; rank ⌈0.9 × 10⌉ = 9 of 9: the largest of each side
        Assert.Equal(5, c.Lower80);
        Assert.Equal(10, c.Upper80);
        Assert.Equal(new SeedSpread(15, 5, 15, 30, 30), c.Widen(raw));
        Assert.Equal(0, c.Widening99); // needs 99 scores
        // Every observation inside: the ensemble was too wide and the interval narrows, never past the median.
        var inside = new IntervalCalibration();
        for (int i = 0; i < 9; i++) inside.Observe(raw, 15);
        Assert.Equal((-5, -5), (inside.Lower80, inside.Upper80));
        Assert.Equal(new SeedSpread(15, 15, 15, 15, 30), inside.Widen(raw));
        // Every observation above the interval (a biased median): the interval moves up, not just out; its lower
        // bound stops at the median, which stays.
        var above = new IntervalCalibration();
        for (int i = 0; i < 9; i++) above.Observe(raw, 24);
        Assert.Equal((-14, 4), (above.Lower80, above.Upper80));
        Assert.Equal(new SeedSpread(15, 15, 15, 24, 30), above.Widen(raw));
    }

    [Fact]
    public void Scorer_ReportsCoverageAndPinballOfAKnownSequence()
    {
        // Seeds 8, 10, 12 running at every step: the interval is 5.645–14.355. One forecast a second, 1 s ahead.
        var scorer = new ForecastScorer(1, [1.0], seeds: 3);
        ReplicaForecast Fixed(ForecastSpec _) => Forecast([[8], [10], [12]]);
        int[] observed = [10, 15, 10, 3, 10, 17, 12, 8, 14, 11, 16];
        for (int t = 0; t < observed.Length; t++) scorer.OnSnapshot(t, observed[t], 0, null, Fixed);
        var s = Assert.Single(scorer.Scores, x => x.Metric == "running");
        Assert.Equal(10, s.Points);
        // The first 9 forecasts are the seeds' interval alone, which covers 6 of their observations (not 15, 3, 17).
        // The one issued at 9 s had 9 scores per side, and each bound moved by its largest: lo − 3 down (from the
        // observation 3) and 17 − hi up (from 17), to 3–17, which covers 16. Without it, 6 of 10.
        Assert.Equal(7, s.Covered);
        Assert.Equal(0.7, s.Coverage80, 12);
        double lo = 10 - T2At90 * 2 * Math.Sqrt(4.0 / 3), hi = 10 + T2At90 * 2 * Math.Sqrt(4.0 / 3);
        double Pinball(double p10, double p90, double y) =>
            (PinballAt(0.1, p10, y) + PinballAt(0.5, 10, y) + PinballAt(0.9, p90, y)) / 3;
        static double PinballAt(double p, double f, double y) => y >= f ? p * (y - f) : (1 - p) * (f - y);
        double expected = observed[1..10].Sum(y => Pinball(lo, hi, y)) + Pinball(lo - (lo - 3), hi + (17 - hi), 16);
        Assert.Equal(expected / 10, s.PinballLoss, 9);
        Assert.Equal(5 + 0 + 7 + 0 + 7 + 2 + 2 + 4 + 1 + 6, s.AbsErrorSum, 9);
    }

    [Fact]
    public void Summary_WidensAsTheScoredIntervalsLearned_InterpolatedByHorizon()
    {
        // Running 8, 10, 12 at each of 8 steps of 2.5 s; p10 moved down 1 at 5 s and 2 at 10 s, p90 up 2 and 4: p10
        // down 0.5 at 2.5 s, p90 up 3 at 7.5 s and 4 beyond.
        float[][] seeds = [Enumerable.Repeat(8f, 8).ToArray(), Enumerable.Repeat(10f, 8).ToArray(), Enumerable.Repeat(12f, 8).ToArray()];
        var f = Forecast(seeds) with
        {
            StepSeconds = 2.5, TtftSeconds = new double[8][].Select(_ => Array.Empty<double>()).ToArray(), TpotSeconds = new double[8][].Select(_ => Array.Empty<double>()).ToArray(),
            Widening = [new IntervalWidening("running", 5, 1, 2, 0), new IntervalWidening("running", 10, 2, 4, 0)],
        };
        double lo = 10 - T2At90 * 2 * Math.Sqrt(4.0 / 3), hi = 10 + T2At90 * 2 * Math.Sqrt(4.0 / 3);
        var one = ForecastSummary.Of(f);
        Assert.Equal(lo - 0.5, one[0].Running.P10, 9);
        Assert.Equal(hi + 3, one[2].Running.P90, 9);
        Assert.Equal(hi + 4, one[7].Running.P90, 9);
        Assert.Equal(0, one[0].Waiting.P10); // nothing learned for waiting (all seeds 0)
        // Two such replicas: the total's seeds are 16, 20, 24 (interval twice as wide) and the moves add (1.5 each at 7.5 s).
        var both = ForecastSummary.Of([f, f with { Replica = 1 }], 2.5);
        Assert.Equal(20 - 2 * (10 - lo) - 3, both[2].Running.P10, 9);
    }

    [Fact]
    public void ScoreReport_SumsCoverageOverReplicas()
    {
        var sum = ForecastScoreReport.Sum([
            new ForecastScoreReport([new ForecastScore("running", 5, 10, 20, 30, 0, Covered: 9, PinballSum: 4)], 10, 0),
            new ForecastScoreReport([new ForecastScore("running", 5, 30, 60, 90, 0, Covered: 21, PinballSum: 8)], 30, 1)]);
        var s = Assert.Single(sum.Scores);
        Assert.Equal(30.0 / 40, s.Coverage80, 12);
        Assert.Equal(12.0 / 40, s.PinballLoss, 12);
    }

    private static ReplicaForecast Forecast(float[][] running) => new()
    {
        Replica = 0, ClockSeconds = 0, StepSeconds = 1, Traffic = new TrafficEstimate(),
        Running = running, Waiting = running.Select(r => new float[r.Length]).ToArray(), KvUsage = running.Select(r => new float[r.Length]).ToArray(),
        TtftSeconds = [[]], TpotSeconds = [[]], KvExhaustedSeconds = running.Select(_ => double.NaN).ToArray(),
    };
}
