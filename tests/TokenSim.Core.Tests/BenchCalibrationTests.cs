using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Validation;

namespace TokenSim.Core.Tests;

/// <summary>
/// <c>--calibrate-on</c>: the step correction fitted on a run's early requests recovers terms a synthetic engine's
/// step times really include, invents none when they are absent, and is scored only on the requests it did not see.
/// </summary>
public class BenchCalibrationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Profile = $"profile:{TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16")}";
    private static readonly string Workload = TestSupport.DataFile("traces", "llmservingsim", "sharegpt-llama-3.1-8b-300-sps10.jsonl");

    /// <summary>The visible run's first 150 requests, their timings replaced by a simulation whose steps include <paramref name="truth"/>.</summary>
    private static VllmBenchRun Synthetic(StepCorrection truth)
    {
        var real = VllmBenchRun.Read(TestSupport.DataFile("runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"));
        var run = real with { Requests = real.Requests.Take(150).ToList() };
        var engine = BenchValidation.Execute(run, Profile, Workload, null, null, truth);
        return run with
        {
            Requests = engine.Pairs.Select(p => p.Measured with
            {
                FirstTokenTs = p.Measured.QueuedTs + p.Simulated.EngineTtftSeconds,
                LastTokenTs = p.Measured.QueuedTs + p.Simulated.EngineE2eSeconds,
            }).ToList(),
        };
    }

    private BenchCalibration Calibrate(VllmBenchRun run, double fraction = 0.4)
    {
        var c = BenchCalibration.Run(BenchValidation.Execute(run, Profile, Workload, null), c => BenchValidation.Execute(run, Profile, Workload, null, null, c), fraction);
        foreach (var f in c.PassFits)
            output.WriteLine($"pass: k {f.Correction.KernelScale:F4} ± {f.KernelScaleStdErr:F4}, c {f.Correction.PrefillStepSeconds * 1e3:F3} ± {f.PrefillStepStdErr * 1e3:F3} ms over {f.Windows} windows");
        return c;
    }

    [Fact]
    public void RecoversAKernelScaleAndAPrefillStepCost_ThatTheEngineHas()
    {
        var truth = new StepCorrection { KernelScale = 1.1, PrefillStepSeconds = 3e-3 };
        var c = Calibrate(Synthetic(truth));
        Assert.InRange(c.Correction.KernelScale, 1.08, 1.12);
        Assert.InRange(c.Correction.PrefillStepSeconds, 2.0e-3, 4.0e-3);
        // Uncorrected, the later requests are well off; corrected, they are close.
        Assert.True(Math.Abs(c.Tpot.ErrorPct.Mean) > 5, $"uncalibrated TPOT {c.Tpot.ErrorPct.Mean:F1}%");
        Assert.InRange(c.CalibratedTpot.ErrorPct.Mean, -2, 2);
        Assert.InRange(c.CalibratedTtft.ErrorPct.Mean, -5, 5);
        Assert.InRange(c.CalibratedE2e.ErrorPct.Mean, -2, 2);
    }

    [Fact]
    public void InventsNothing_WhenTheEngineIsTheModel()
    {
        var c = Calibrate(Synthetic(StepCorrection.None));
        // Within the fit's own uncertainty of none (and close in absolute terms).
        Assert.InRange(c.Correction.KernelScale, 1 - 3 * c.Estimate.KernelScaleStdErr, 1 + 3 * c.Estimate.KernelScaleStdErr);
        Assert.InRange(c.Correction.PrefillStepSeconds, 0, 3 * c.Estimate.PrefillStepStdErr);
        Assert.InRange(c.Correction.KernelScale, 0.99, 1.01);
        Assert.InRange(c.Correction.PrefillStepSeconds, 0, 0.5e-3);
        Assert.InRange(c.CalibratedTpot.ErrorPct.Mean, -0.5, 0.5);
    }

    [Fact]
    public void ScoresOnlyTheRequestsArrivingAfterTheFittingPart()
    {
        var run = VllmBenchRun.Read(TestSupport.DataFile("runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"));
        run = run with { Requests = run.Requests.Take(60).ToList() };
        var c = Calibrate(run, 0.5);
        double first = run.Requests.Min(r => r.QueuedTs), last = run.Requests.Max(r => r.QueuedTs);
        int early = run.Requests.Count(r => r.QueuedTs < first + 0.5 * (last - first));
        Assert.Equal(early, c.FittedOn);
        Assert.Equal(run.Requests.Count - early, c.Scored);
        // The headline is over the scored requests only: its measured mean is theirs.
        var later = run.Requests.Where(r => r.QueuedTs >= first + 0.5 * (last - first)).ToList();
        Assert.Equal(later.Average(r => r.Ttft), c.Ttft.Measured.Mean, 9);
        Assert.Throws<ArgumentException>(() => Calibrate(run, 1.0));
        Assert.Throws<ArgumentException>(() => Calibrate(run, 0));
    }

    [Fact]
    public void Correction_AddsItsTermsToTheRightSteps_AndIsBounded()
    {
        var c = new StepCorrection { KernelScale = 1.2, PrefillStepSeconds = 4e-3 };
        var decode = new TokenSim.Core.Simulation.BatchShape { Tokens = 8, DecodeCount = 8 };
        var prefill = decode with { Tokens = 108, PrefillTokens = 100 };
        Assert.Equal(1.2 * 0.02, c.Apply(0.02, decode), 15);
        Assert.Equal(1.2 * 0.03 + 4e-3, c.Apply(0.03, prefill), 15);
        Assert.Equal(0, c.Apply(0, prefill));
        var wild = new StepCorrection { KernelScale = 9, PrefillStepSeconds = -1 }.Clamped();
        Assert.Equal((2.0, 0.0), (wild.KernelScale, wild.PrefillStepSeconds));
    }
}
