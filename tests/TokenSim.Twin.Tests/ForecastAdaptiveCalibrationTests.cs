using TokenSim.Core.Randomness;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;
using Xunit.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The interval calibration's adaptive level (Gibbs and Candès' ACI over the CQR scores, <see cref="IntervalCalibration"/>)
/// against answers known without running it: the level's steps by hand, and over synthetic streams of outcomes whose
/// quantiles are known, realised coverage within ACI's deterministic bound of 0.8, before and after a shift.
/// </summary>
public sealed class ForecastAdaptiveCalibrationTests(ITestOutputHelper output)
{
    // The ensemble's interval of N(10, 1) (the quantities forecast are 0 or more, and bounds are kept so): p10 and p90
    // at 10 ∓ 1.2816, p99 at 10 + 2.3263.
    private static readonly SeedSpread Unit = new(10, 10 - 1.2815516, 10, 10 + 1.2815516, 10 + 2.3263479);

    [Fact]
    public void Level_StepsByGammaTimesTargetMinusMiss_OnEachSide()
    {
        var c = new IntervalCalibration();
        var raw = new SeedSpread(15, 10, 15, 20, 30);
        c.Observe(raw, 25); // above p90 (and inside p99): a miss above, none below
        Assert.Equal(0.1 + 0.005 * (0.1 - 1), c.LevelAbove, 12); // 0.0955
        Assert.Equal(0.1 + 0.005 * 0.1, c.LevelBelow, 12);       // 0.1005
        Assert.Equal(0.01 + 0.005 * 0.01, c.Level99, 12);
        c.Observe(raw, 5); // below p10
        Assert.Equal(0.1005 - 0.0045, c.LevelBelow, 12);
        Assert.Equal(0.0955 + 0.0005, c.LevelAbove, 12);
        // Two scores a side: far fewer than the 9 the nominal rank needs, so the ensemble's bounds stand.
        Assert.Equal((0, 0), (c.Lower80, c.Upper80));
    }

    [Fact]
    public void Level_BelowZero_MovesTheBoundByItsLargestScore()
    {
        // γ = 0.2: one miss above takes α from 0.1 to 0.1 + 0.2 × (0.1 − 1) = −0.08, where ACI's interval is unbounded above.
        var c = new IntervalCalibration(gamma: 0.2);
        var raw = new SeedSpread(15, 10, 15, 20, 30);
        foreach (double y in new[] { 11.0, 12, 13, 14, 16, 17, 18, 19 }) c.Observe(raw, y); // inside: α above 0.1 + 8 × 0.02 = 0.26
        Assert.Equal(0.26, c.LevelAbove, 12);
        c.Observe(raw, 40); // the 9th score, 40 − 20 = 20, and a miss: α = 0.26 − 0.18 = 0.08
        Assert.Equal(0.08, c.LevelAbove, 12);
        Assert.Equal(20, c.Upper80); // rank ⌈0.92 × 10⌉ = 10, beyond 9: the largest
        c.Observe(raw, 19); // inside the interval issued (20 + 20 = 40): α = 0.1; rank ⌈0.9 × 11⌉ = 10 of 10 scores
        Assert.Equal(0.1, c.LevelAbove, 12);
        Assert.Equal(20, c.Upper80);
        c.Observe(raw, 50); // beyond 40: α = 0.1 − 0.18 = −0.08, and the move is the largest score, 30
        Assert.Equal(-0.08, c.LevelAbove, 12);
        Assert.Equal(30, c.Upper80);
    }

    [Fact]
    public void TooNarrowEnsemble_CoverageConvergesToEightyPercent_WithinAcisBound()
    {
        // Outcomes N(10, 2²) against the interval of N(10, 1): the ensemble alone covers P(|Z| < 0.64) = 47.8%. The true
        // p10 and p90 are ∓2.563, so each bound should move out by 1.282.
        const int T = 20_000;
        var random = new SimRandom(20);
        var c = new IntervalCalibration();
        int covered = 0, rawCovered = 0;
        for (int t = 0; t < T; t++)
        {
            double y = 10 + 2 * random.NextNormal();
            var issued = c.Widen(Unit);
            if (issued.Covers(y)) covered++;
            if (Unit.Covers(y)) rawCovered++;
            c.Observe(Unit, issued, y);
        }
        // Gibbs and Candès, Proposition 4.1: each side's miss rate within (max(α₁, 1 − α₁) + γ) / (γT) = 0.905 / 100.
        double bound = 2 * (0.9 + IntervalCalibration.Gamma) / (IntervalCalibration.Gamma * T);
        output.WriteLine($"coverage {(double)covered / T:F4} (bound ±{bound:F4}), ensemble alone {(double)rawCovered / T:F4}, moves {c.Lower80:F3} / {c.Upper80:F3}");
        Assert.InRange((double)covered / T, 0.8 - bound, 0.8 + bound);
        Assert.InRange((double)rawCovered / T, 0.468, 0.488);
        Assert.InRange(c.Upper80, 1.15, 1.41);
        Assert.InRange(c.Lower80, 1.15, 1.41);
    }

    [Fact]
    public void AfterAShift_TheLevelReAdapts_WhereCqrAloneStaysShort()
    {
        // 10,000 outcomes the ensemble is calibrated for (N(10, 1)), then 10,000 from N(11, 3²). Over the second half ACI's
        // coverage is within 2(1 + 2γ) / (γT) of 0.8 whatever the first half left its level at; CQR alone (γ = 0) ranks
        // the pooled scores, half of them from before the shift, and covers less.
        const int T = 10_000;
        double bound = 2 * (1 + 2 * IntervalCalibration.Gamma) / (IntervalCalibration.Gamma * T);
        output.WriteLine($"after the shift: ACI {SecondHalf(IntervalCalibration.Gamma):F4} (bound ±{bound:F4}), CQR alone {SecondHalf(0):F4}");
        Assert.InRange(SecondHalf(IntervalCalibration.Gamma), 0.8 - bound, 0.8 + bound);
        Assert.True(SecondHalf(0) < 0.8 - bound, $"CQR alone covered {SecondHalf(0):P1} after the shift");

        static double SecondHalf(double gamma)
        {
            var random = new SimRandom(21);
            var c = new IntervalCalibration(gamma);
            int covered = 0;
            for (int t = 0; t < 2 * T; t++)
            {
                double y = t < T ? 10 + random.NextNormal() : 11 + 3 * random.NextNormal();
                var issued = c.Widen(Unit);
                if (t >= T && issued.Covers(y)) covered++;
                c.Observe(Unit, issued, y);
            }
            return (double)covered / T;
        }
    }
}
