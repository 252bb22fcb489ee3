using TokenSim.Core.Randomness;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The traffic a forecast's seeds draw: the rate's and trend's posterior from the window's Poisson counts, and how
/// long the traffic lasts under Jeffreys' prior on a stop's rate, against their closed forms.
/// </summary>
public sealed class TrafficPosteriorTests
{
    [Fact]
    public void Estimate_CarriesTheCountAndTheSlopesPoissonStandardError()
    {
        // One arrival every 0.1 s for 20 s: the 10 s window ending at 20 s holds 100 (10.1 … 20.0), a rate of 10/s.
        var model = new TrafficModel();
        for (int i = 0; i <= 200; i++) model.Observe(i / 10.0, 100, 50);
        var t = model.Estimate(20);
        Assert.Equal(10, t.RatePerSecond, 9);
        Assert.Equal(0, t.TrendPerSecond2);
        Assert.Equal(100.5, t.RateShape);                         // 100 arrivals + ½ (Jeffreys)
        // 10 bins of 1 s: Σ(x − x̄)² = 2 (0.5² + 1.5² + 2.5² + 3.5² + 4.5²) = 82.5, a bin's rate variance 10 / 1.
        Assert.Equal(Math.Sqrt(10 / 82.5), t.TrendStdErr, 9);     // 0.348155
    }

    [Fact]
    public void Draw_HasTheGammaLevelAndNormalSlope_AndMovesTheRateNowWithTheSlope()
    {
        var t = new TrafficEstimate { RatePerSecond = 10, WindowSeconds = 10, RateShape = 100.5, TrendStdErr = 0.348155 };
        var random = new SimRandom(11);
        int n = 40_000;
        var draws = Enumerable.Range(0, n).Select(_ => t.Draw(random)).ToArray();
        double Mean(Func<TrafficEstimate, double> f) => draws.Average(f);
        double Sd(Func<TrafficEstimate, double> f) { double m = Mean(f); return Math.Sqrt(draws.Sum(d => (f(d) - m) * (f(d) - m)) / (n - 1)); }
        Assert.InRange(Mean(d => d.TrendPerSecond2), -0.01, 0.01);
        Assert.InRange(Sd(d => d.TrendPerSecond2), 0.348155 * 0.98, 0.348155 * 1.02);
        // The rate now is the level (sd 10 / √100.5) plus (slope − 0) × 5 s: sd √(100 / 100.5 + 25 × 0.348155²) = 2.006.
        Assert.InRange(Mean(d => d.RatePerSecond), 9.95, 10.05);
        Assert.InRange(Sd(d => d.RatePerSecond), 2.006 * 0.97, 2.006 * 1.03);
        Assert.All(draws, d => Assert.Equal((0, 0), (d.RateShape, d.TrendStdErr)));
        // Nothing to draw from: the estimate itself.
        var known = new TrafficEstimate { RatePerSecond = 3, TrendPerSecond2 = 0.5, WindowSeconds = 10 };
        Assert.Same(known, known.Draw(random));
    }

    [Fact]
    public void DrawLifetime_Stratified_SpansThePosterior_AndPooledIsThePosterior()
    {
        // Traffic 15 s old. u in the top third, (⅔, 1], gives T(1/u² − 1) ≤ 15 × (9/4 − 1) = 18.75 s; the bottom third
        // at least 15 × (9 − 1) = 120 s; pooled over the three strata, P(beyond 20 s) = √(15/35) = 0.6547.
        var random = new SimRandom(15);
        var t = new TrafficEstimate { ElapsedSeconds = 15 };
        var pooled = new List<double>();
        for (int i = 0; i < 10_000; i++)
        {
            double top = t.DrawLifetime(random, 2, 3), middle = t.DrawLifetime(random, 1, 3), bottom = t.DrawLifetime(random, 0, 3);
            Assert.InRange(top, 0, 18.75);
            Assert.InRange(middle, 18.75, 120);
            Assert.True(bottom >= 120, $"bottom stratum gave {bottom}");
            pooled.AddRange([top, middle, bottom]);
        }
        Assert.InRange(pooled.Count(x => x > 20) / (double)pooled.Count, 0.6547 - 0.01, 0.6547 + 0.01);
    }

    [Fact]
    public void DrawLifetime_SurvivesAsJeffreysPosteriorPredictive()
    {
        // Lasted T = 20 s: P(lasts beyond x more) = (T / (T + x))^½; beyond 20 s: √½ = 0.7071; its median is 3T = 60 s.
        var t = new TrafficEstimate { ElapsedSeconds = 20 };
        var random = new SimRandom(5);
        var draws = Enumerable.Range(0, 40_000).Select(_ => t.DrawLifetime(random)).Order().ToArray();
        Assert.InRange(draws.Count(x => x > 20) / 40_000.0, 0.7071 - 0.01, 0.7071 + 0.01);
        Assert.InRange(draws.Count(x => x > 180) / 40_000.0, Math.Sqrt(0.1) - 0.01, Math.Sqrt(0.1) + 0.01); // (20/200)^½
        Assert.InRange(draws[20_000], 57, 63);
        Assert.True(double.IsPositiveInfinity(new TrafficEstimate().DrawLifetime(random)));
    }

    [Fact]
    public void Share_AddsTheCountsAndTheSlopeVariances()
    {
        var a = new TrafficEstimate { RatePerSecond = 4, RateShape = 40.5, TrendStdErr = 0.3, WindowSeconds = 10, PromptTokens = [1], MaxTokens = [1] };
        var b = new TrafficEstimate { RatePerSecond = 6, RateShape = 60.5, TrendStdErr = 0.4, WindowSeconds = 10, PromptTokens = [1], MaxTokens = [1] };
        var s = TrafficShare.Spread([a, b], 2);
        Assert.Equal(5, s.RatePerSecond, 12);
        Assert.Equal(101, s.RateShape, 12);               // the total's rate is known from all 100 arrivals
        Assert.Equal(0.5 / 2, s.TrendStdErr, 12);          // √(0.3² + 0.4²) over 2 replicas
    }
}
