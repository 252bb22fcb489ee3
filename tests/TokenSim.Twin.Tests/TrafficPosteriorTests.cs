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
    public void Draw_WithoutAKeptTrend_IsStationaryAtTheGammaPosterior()
    {
        // The window's 100 arrivals showed no trend (the test dropped it; its standard error is still carried): every
        // seed draws slope 0 and a rate of mean 10 and sd 10 / √100.5 = 0.9975, the Gamma posterior's alone.
        var t = new TrafficEstimate { RatePerSecond = 10, WindowSeconds = 10, RateShape = 100.5, TrendStdErr = 0.348155 };
        var random = new SimRandom(11);
        int n = 40_000;
        var draws = Enumerable.Range(0, n).Select(_ => t.Draw(random)).ToArray();
        Assert.All(draws, d => Assert.Equal(0, d.TrendPerSecond2));
        double mean = draws.Average(d => d.RatePerSecond);
        double sd = Math.Sqrt(draws.Sum(d => (d.RatePerSecond - mean) * (d.RatePerSecond - mean)) / (n - 1));
        Assert.InRange(mean, 9.98, 10.02);
        Assert.InRange(sd, 0.9975 * 0.98, 0.9975 * 1.02);
        Assert.All(draws, d => Assert.Equal((0, 0), (d.RateShape, d.TrendStdErr)));
        // Nothing to draw from: the estimate itself.
        var known = new TrafficEstimate { RatePerSecond = 3, TrendPerSecond2 = 0.5, WindowSeconds = 10 };
        Assert.Same(known, known.Draw(random));
    }

    [Fact]
    public void Draw_WithAKeptTrend_DrawsTheSlopeAroundIt_AndMovesTheRateNowWithIt()
    {
        var t = new TrafficEstimate { RatePerSecond = 10, TrendPerSecond2 = 1, WindowSeconds = 10, RateShape = 100.5, TrendStdErr = 0.348155 };
        var random = new SimRandom(11);
        int n = 40_000;
        var draws = Enumerable.Range(0, n).Select(_ => t.Draw(random)).ToArray();
        double Mean(Func<TrafficEstimate, double> f) => draws.Average(f);
        double Sd(Func<TrafficEstimate, double> f) { double m = Mean(f); return Math.Sqrt(draws.Sum(d => (f(d) - m) * (f(d) - m)) / (n - 1)); }
        Assert.InRange(Mean(d => d.TrendPerSecond2), 0.99, 1.01);
        Assert.InRange(Sd(d => d.TrendPerSecond2), 0.348155 * 0.98, 0.348155 * 1.02);
        // The rate now is the level (sd 10 / √100.5) plus (slope − 1) × 5 s: sd √(100 / 100.5 + 25 × 0.348155²) = 2.006.
        Assert.InRange(Mean(d => d.RatePerSecond), 9.95, 10.05);
        Assert.InRange(Sd(d => d.RatePerSecond), 2.006 * 0.97, 2.006 * 1.03);
    }

    [Fact]
    public void StationaryPoissonStream_ShowsATrendAtTheTestsLevel_AndItsDrawnRatesAreThePosteriors()
    {
        // 4,000 independent Poisson streams of 4 requests/s, each estimated over the 10 s window ending at 20 s. A slope
        // beyond 2 standard errors is a trend in 2(1 − Φ(2)) = 4.55% of them (binomial sd 0.33 points over 4,000). One
        // rate drawn per stream without a trend: the window's count n is Poisson(40), so n / 10 has variance 4 / 10, and
        // the posterior draw around it adds E[(n / 10)² / (n + ½)] ≈ 4 / 10 (the slope's contrast is orthogonal to the
        // level's, so dropping the trending streams leaves n's law): the drawn rates have mean 4 and sd √(2 × 4 / 10) =
        // 0.894. Drawing a slope for every stream (as before) added 25 × 4 / 82.5 = 1.21 to the variance: sd 1.42.
        var random = new SimRandom(4);
        int streams = 4_000, trends = 0;
        var drawn = new List<double>();
        for (int s = 0; s < streams; s++)
        {
            var model = new TrafficModel();
            for (double time = random.NextExponential(4); time <= 20; time += random.NextExponential(4)) model.Observe(time, 100, 50);
            var estimate = model.Estimate(20);
            Assert.Equal(10, estimate.WindowSeconds);
            if (estimate.TrendPerSecond2 != 0) trends++;
            else drawn.Add(estimate.Draw(random).RatePerSecond);
        }
        Assert.InRange(trends / (double)streams, 0.0455 - 0.013, 0.0455 + 0.013);
        double mean = drawn.Average(), sd = Math.Sqrt(drawn.Sum(r => (r - mean) * (r - mean)) / (drawn.Count - 1));
        Assert.InRange(mean, 4 - 0.05, 4 + 0.05);
        Assert.InRange(sd, 0.894 * 0.95, 0.894 * 1.05);
    }

    [Fact]
    public void Ramp_IsDetected_AndItsSlopeDrawnAroundIt()
    {
        // A rate rising as t (per s²) from 0: Λ(t) = t² / 2, so arrival k comes at √(2k). The window (10, 20] holds
        // k = 51 … 200, 150 arrivals, in 1 s bins 10, 11, 13, 13, 15, 15, 17, 17, 19, 20: slope Σx(c − 15) / 82.5 =
        // 89 / 82.5 = 1.0788 /s², beyond 2 standard errors of √(15 / 82.5) = 0.4264; the rate now 15 + 5 × 1.0788.
        var model = new TrafficModel();
        for (int k = 0; k <= 200; k++) model.Observe(Math.Sqrt(2 * k), 100, 50);
        var t = model.Estimate(20);
        Assert.Equal(89 / 82.5, t.TrendPerSecond2, 9);
        Assert.Equal(15 + 5 * 89 / 82.5, t.RatePerSecond, 9);
        Assert.Equal(Math.Sqrt(15 / 82.5), t.TrendStdErr, 9);
        var random = new SimRandom(20);
        var slopes = Enumerable.Range(0, 40_000).Select(_ => t.Draw(random).TrendPerSecond2).ToArray();
        double mean = slopes.Average(), sd = Math.Sqrt(slopes.Sum(x => (x - mean) * (x - mean)) / (slopes.Length - 1));
        Assert.InRange(mean, 89 / 82.5 - 0.01, 89 / 82.5 + 0.01);
        Assert.InRange(sd, 0.4264 * 0.98, 0.4264 * 1.02);
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
