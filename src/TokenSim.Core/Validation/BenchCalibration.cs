using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;

namespace TokenSim.Core.Validation;

/// <summary>
/// <c>validate vllm-bench --calibrate-on F</c>: fits a <see cref="StepCorrection"/> on the requests that arrived in
/// the first fraction F of the run (from first to last arrival) and scores only the rest, uncalibrated beside
/// calibrated, so a correction is judged on requests it never saw.
/// </summary>
/// <remarks>
/// The fit replays the whole run under each candidate (later requests load the engine as they did) and compares
/// only the fitting requests: the kernel scale from their TPOT (a fixed point of the median measured/simulated
/// ratio), the per-prefill-step cost from their TTFT (a search over 0–20 ms for the smallest median |log ratio|),
/// then the scale once more with the cost in place. Medians, so a few odd requests cannot pull it.
/// </remarks>
public sealed record BenchCalibration
{
    public required double Fraction { get; init; }
    public required StepCorrection Correction { get; init; }
    public required int FittedOn { get; init; }
    public required int Scored { get; init; }
    /// <summary>The uncorrected simulation over the scored requests: the headline.</summary>
    public required MetricComparison Ttft { get; init; }
    public required MetricComparison Tpot { get; init; }
    public required MetricComparison E2e { get; init; }
    /// <summary>The corrected simulation over the same requests.</summary>
    public required MetricComparison CalibratedTtft { get; init; }
    public required MetricComparison CalibratedTpot { get; init; }
    public required MetricComparison CalibratedE2e { get; init; }

    private static readonly double[] PrefillCostsMs = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 13, 16, 20];

    /// <param name="uncalibrated">The run replayed with no correction.</param>
    /// <param name="replay">Replays the same run under a correction.</param>
    /// <param name="fraction">The share of the run's arrival span whose requests fit the correction, in (0, 1).</param>
    public static BenchCalibration Run(BenchValidation uncalibrated, Func<StepCorrection, BenchValidation> replay, double fraction)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentException($"--calibrate-on: {fraction} is not a fraction of the run between 0 and 1.");
        var requests = uncalibrated.Run.Requests;
        double first = requests.Min(r => r.QueuedTs), last = requests.Max(r => r.QueuedTs);
        double cut = first + fraction * (last - first);
        bool Fits(MeasuredRequest m) => m.QueuedTs < cut;
        int fitted = requests.Count(Fits);
        if (fitted == 0 || fitted == requests.Count)
            throw new ArgumentException($"--calibrate-on {fraction}: {fitted} of {requests.Count} requests arrive in that part of the run; both parts need some.");

        double TpotRatio(BenchValidation v) => RobustStats.Median(v.Pairs.Where(p => Fits(p.Measured) && p.Measured.Tpot is > 0 && p.Simulated.TpotSeconds > 0)
            .Select(p => p.Measured.Tpot!.Value / p.Simulated.TpotSeconds)) ?? 1;
        double TtftLoss(BenchValidation v) => RobustStats.Median(v.Pairs.Where(p => Fits(p.Measured) && p.Measured.Ttft > 0 && p.Simulated.EngineTtftSeconds > 0)
            .Select(p => Math.Abs(Math.Log(p.Simulated.EngineTtftSeconds / p.Measured.Ttft)))) ?? 0;

        var c = StepCorrection.None;
        var current = uncalibrated;
        for (int i = 0; i < 2; i++)
        {
            c = (c with { KernelScale = c.KernelScale * TpotRatio(current) }).Clamped();
            current = replay(c);
        }
        var best = (Loss: TtftLoss(current), Correction: c, Validation: current);
        foreach (var ms in PrefillCostsMs)
        {
            var candidate = (c with { PrefillStepSeconds = ms * 1e-3 }).Clamped();
            if (candidate == best.Correction) continue;
            var v = replay(candidate);
            double loss = TtftLoss(v);
            if (loss < best.Loss) best = (loss, candidate, v);
        }
        c = (best.Correction with { KernelScale = best.Correction.KernelScale * TpotRatio(best.Validation) }).Clamped();
        var calibrated = replay(c);

        var (ttft, tpot, e2e) = OverScored(uncalibrated, Fits);
        var (cTtft, cTpot, cE2e) = OverScored(calibrated, Fits);
        return new BenchCalibration
        {
            Fraction = fraction, Correction = c, FittedOn = fitted, Scored = requests.Count - fitted,
            Ttft = ttft, Tpot = tpot, E2e = e2e, CalibratedTtft = cTtft, CalibratedTpot = cTpot, CalibratedE2e = cE2e,
        };
    }

    /// <summary>TTFT, TPOT and E2E over the requests the correction did not see.</summary>
    private static (MetricComparison, MetricComparison, MetricComparison) OverScored(BenchValidation v, Func<MeasuredRequest, bool> fits)
    {
        var pairs = v.Pairs.Where(p => !fits(p.Measured)).ToList();
        var tpot = pairs.Where(p => p.Measured.Tpot is not null).ToList();
        return (MetricComparison.Of("TTFT", pairs.Select(p => p.Measured.Ttft).ToList(), pairs.Select(p => p.Simulated.EngineTtftSeconds).ToList()),
            MetricComparison.Of("TPOT", tpot.Select(p => p.Measured.Tpot!.Value).ToList(), tpot.Select(p => p.Simulated.TpotSeconds).ToList()),
            MetricComparison.Of("E2E", pairs.Select(p => p.Measured.E2e).ToList(), pairs.Select(p => p.Simulated.EngineE2eSeconds).ToList()));
    }
}
