using TokenSim.Core.ExecutionTime;

namespace TokenSim.Core.Tests;

/// <summary>
/// The step-correction fitter shared by <c>--calibrate-on</c> and the twin, on windows built by hand from known terms:
/// y = k × model + c × prefill share, with noise where stated.
/// </summary>
public class StepCorrectionFitTests
{
    /// <summary>Windows of 10–40 ms model steps with 0–60% prefill steps, observed through <paramref name="truth"/>, times (1 + noise).</summary>
    private static List<StepWindow> Windows(StepCorrection truth, int n, double noise, int seed = 1)
    {
        var rng = new Random(seed);
        var list = new List<StepWindow>();
        for (int i = 0; i < n; i++)
        {
            double model = 0.010 + 0.030 * rng.NextDouble(), share = 0.6 * rng.NextDouble();
            double y = truth.KernelScale * model + truth.PrefillStepSeconds * share;
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            list.Add(new StepWindow(model, share, y * (1 + noise * z), 100));
        }
        return list;
    }

    [Fact]
    public void ExactWindows_GiveTheTermsBack()
    {
        var truth = new StepCorrection { KernelScale = 1.1, PrefillStepSeconds = 3e-3 };
        var e = StepCorrectionFit.Fit(Windows(truth, 50, 0));
        Assert.Equal(1.1, e.Correction.KernelScale, 9);
        Assert.Equal(3e-3, e.Correction.PrefillStepSeconds, 9);
        Assert.Equal(50, e.Windows);
    }

    [Fact]
    public void NoisyWindows_RecoverTheTermsWithinTheirStandardErrors()
    {
        var truth = new StepCorrection { KernelScale = 0.9, PrefillStepSeconds = 4e-3 };
        var e = StepCorrectionFit.Fit(Windows(truth, 200, 0.02));
        // 2% noise on 200 windows: the standard errors are small and honest (the truth within 3 of them).
        Assert.InRange(e.KernelScaleStdErr, 1e-4, 0.01);
        Assert.InRange(e.PrefillStepStdErr, 1e-5, 1e-3);
        Assert.InRange(e.Correction.KernelScale, 0.9 - 3 * e.KernelScaleStdErr, 0.9 + 3 * e.KernelScaleStdErr);
        Assert.InRange(e.Correction.PrefillStepSeconds, 4e-3 - 3 * e.PrefillStepStdErr, 4e-3 + 3 * e.PrefillStepStdErr);
        // The residual spread is the noise's (1.4826 × MAD of a normal is its σ).
        Assert.InRange(e.ResidualScale, 0.015, 0.025);
    }

    [Fact]
    public void NoTermsInTheEngine_NoneInvented()
    {
        var e = StepCorrectionFit.Fit(Windows(StepCorrection.None, 200, 0.02, seed: 5));
        Assert.InRange(e.Correction.KernelScale, 1 - 3 * e.KernelScaleStdErr, 1 + 3 * e.KernelScaleStdErr);
        Assert.InRange(e.Correction.PrefillStepSeconds, 0, 3 * e.PrefillStepStdErr);
    }

    [Fact]
    public void OneWindowInTen_TenTimesTooLong_MovesTheFitLittle()
    {
        var truth = new StepCorrection { KernelScale = 1.1, PrefillStepSeconds = 3e-3 };
        var windows = Windows(truth, 200, 0.02);
        for (int i = 0; i < windows.Count; i += 10) windows[i] = windows[i] with { ObservedSeconds = 10 * windows[i].ObservedSeconds };
        var e = StepCorrectionFit.Fit(windows);
        Assert.InRange(e.Correction.KernelScale, 1.08, 1.12);
        Assert.InRange(e.Correction.PrefillStepSeconds, 2e-3, 4e-3);
        // Least squares (no reweighting) would have been dragged far off: the mean ratio alone is about 1.9x.
        Assert.True(windows.Average(w => w.ObservedSeconds / (1.1 * w.ModelSeconds + 3e-3 * w.PrefillShare)) > 1.8);
    }

    [Fact]
    public void AnEngineBeyondTheBounds_IsHeldAtThem()
    {
        var e = StepCorrectionFit.Fit(Windows(new StepCorrection { KernelScale = 5, PrefillStepSeconds = 0.2 }, 50, 0));
        Assert.Equal(StepCorrection.MaxScale, e.Correction.KernelScale);
        Assert.Equal(StepCorrection.MaxPrefillStepSeconds, e.Correction.PrefillStepSeconds);
        var fast = StepCorrectionFit.Fit(Windows(new StepCorrection { KernelScale = 0.8, PrefillStepSeconds = -5e-3 }, 50, 0));
        Assert.Equal(0, fast.Correction.PrefillStepSeconds);
        Assert.InRange(fast.Correction.KernelScale, 0.5, 0.8);
    }

    [Fact]
    public void NoPrefillStepInAnyWindow_LeavesTheCostUnsized()
    {
        var windows = Windows(new StepCorrection { KernelScale = 1.2 }, 30, 0).Select(w => w with { PrefillShare = 0, ObservedSeconds = 1.2 * w.ModelSeconds }).ToList();
        var e = StepCorrectionFit.Fit(windows);
        Assert.Equal(1.2, e.Correction.KernelScale, 9);
        Assert.Equal(0, e.Correction.PrefillStepSeconds);
        Assert.True(double.IsNaN(e.PrefillStepStdErr));
        Assert.Same(StepCorrectionEstimate.None, StepCorrectionFit.Fit(windows.Take(1).ToList()));
    }

    [Fact]
    public void Samples_SpreadAsTheFitsCovarianceSays_AndRepeatPerSeed()
    {
        var e = new StepCorrectionEstimate
        {
            Correction = new StepCorrection { KernelScale = 1.0, PrefillStepSeconds = 10e-3 },
            KernelScaleStdErr = 0.02, PrefillStepStdErr = 1e-3, Covariance = -0.5 * 0.02 * 1e-3, Windows = 100,
        };
        var s = Enumerable.Range(0, 4000).Select(e.Sample).ToList();
        double mk = s.Average(x => x.KernelScale), mc = s.Average(x => x.PrefillStepSeconds);
        double sk = Math.Sqrt(s.Average(x => (x.KernelScale - mk) * (x.KernelScale - mk)));
        double sc = Math.Sqrt(s.Average(x => (x.PrefillStepSeconds - mc) * (x.PrefillStepSeconds - mc)));
        double r = s.Average(x => (x.KernelScale - mk) * (x.PrefillStepSeconds - mc)) / (sk * sc);
        Assert.Equal(1.0, mk, 2);
        Assert.Equal(10e-3, mc, 4);
        Assert.InRange(sk, 0.018, 0.022);
        Assert.InRange(sc, 0.9e-3, 1.1e-3);
        Assert.InRange(r, -0.56, -0.44);
        Assert.Equal(e.Sample(7), e.Sample(7));
        Assert.Equal(StepCorrectionEstimate.None.Correction, StepCorrectionEstimate.None.Sample(3));
    }

    /// <summary>The fit's robust scale takes the median of |residuals| by selection, not a sort: the same value as the
    /// sorted median over the finite ones, for odd and even counts, ties, and residuals that are NaN or infinite.</summary>
    [Fact]
    public void MedianMagnitude_IsTheSortedMedianOfTheFiniteMagnitudes()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = rng.Next(1, 40);
            var residual = new double[n];
            for (int i = 0; i < n; i++)
                residual[i] = rng.Next(10) switch
                {
                    0 => double.NaN,
                    1 => double.NegativeInfinity,
                    2 or 3 => rng.Next(-3, 4) * 0.25,   // ties
                    _ => rng.NextDouble() * 2 - 1,
                };
            var finite = residual.Where(double.IsFinite).Select(Math.Abs).Order().ToArray();
            double expected = finite.Length == 0 ? 0
                : finite.Length % 2 == 1 ? finite[finite.Length / 2] : 0.5 * (finite[finite.Length / 2 - 1] + finite[finite.Length / 2]);
            Assert.Equal(expected, StepCorrectionFit.MedianMagnitude(residual, new double[n]));
        }
    }
}
