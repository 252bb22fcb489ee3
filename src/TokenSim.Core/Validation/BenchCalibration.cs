using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;

namespace TokenSim.Core.Validation;

/// <summary>
/// <c>validate vllm-bench --calibrate-on F</c>: fits a <see cref="StepCorrection"/> on the requests that arrived in
/// the first fraction F of the run (from first to last arrival) and scores only the rest, uncalibrated beside
/// calibrated, so a correction is judged on requests it never saw.
/// </summary>
/// <remarks>
/// The fit is <see cref="StepCorrectionFit"/>, the twin's online fitter: each fitting request's decode is one
/// <see cref="StepWindow"/> (its measured TPOT against the simulated steps within its measured decode). The whole run is replayed under each successive correction (later requests load the engine as they did),
/// since the simulated steps within a measured decode depend a little on the correction: up to <see cref="Passes"/>
/// fits, each on the replay under the one before, until two agree (the first passes overshoot and swing back:
/// on the synthetic engine of <c>BenchCalibrationTests</c>, 0, 5.0, 2.2, 2.8, 2.8 ms for a true 3 ms).
/// </remarks>
public sealed record BenchCalibration
{
    /// <summary>
    /// At most this many fits, each on the replay under the previous one's correction (the first under none); they
    /// stop once two in a row agree within <see cref="SettledScale"/> and <see cref="SettledPrefillSeconds"/>.
    /// </summary>
    public const int Passes = 6;
    public const double SettledScale = 1e-3, SettledPrefillSeconds = 1e-4;

    public required double Fraction { get; init; }
    public required StepCorrection Correction { get; init; }
    /// <summary>The last fit, with its standard errors.</summary>
    public required StepCorrectionEstimate Estimate { get; init; }
    /// <summary>Every pass's fit, first to last: how the correction settled.</summary>
    public required IReadOnlyList<StepCorrectionEstimate> PassFits { get; init; }
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

    /// <param name="uncalibrated">The run replayed with no correction.</param>
    /// <param name="replay">Replays the same run under a correction (<see cref="BenchValidation.Execute"/> with it, which logs the steps).</param>
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

        var estimate = StepCorrectionEstimate.None;
        var fits = new List<StepCorrectionEstimate>();
        var current = replay(StepCorrection.None);
        for (int pass = 0; pass < Passes; pass++)
        {
            var previous = estimate.Correction;
            estimate = StepCorrectionFit.Fit(Windows(current, Fits));
            fits.Add(estimate);
            current = replay(estimate.Correction);
            if (pass > 0 && Math.Abs(estimate.Correction.KernelScale - previous.KernelScale) < SettledScale
                && Math.Abs(estimate.Correction.PrefillStepSeconds - previous.PrefillStepSeconds) < SettledPrefillSeconds) break;
        }

        var (ttft, tpot, e2e) = OverScored(uncalibrated, Fits);
        var (cTtft, cTpot, cE2e) = OverScored(current, Fits);
        return new BenchCalibration
        {
            Fraction = fraction, Correction = estimate.Correction, Estimate = estimate, PassFits = fits, FittedOn = fitted, Scored = requests.Count - fitted,
            Ttft = ttft, Tpot = tpot, E2e = e2e, CalibratedTtft = cTtft, CalibratedTpot = cTpot, CalibratedE2e = cE2e,
        };
    }

    /// <summary>
    /// One window per fitting request with a measured TPOT: the n − 1 steps between its measured first and last token,
    /// against the simulated steps that ended in that same stretch of the run's clock (the simulation's arrivals are
    /// the measured ones, on the same clock), as the twin reads production against its lockstep simulation.
    /// </summary>
    private static List<StepWindow> Windows(BenchValidation v, Func<MeasuredRequest, bool> fits)
    {
        var log = v.Steps ?? throw new InvalidOperationException("The calibration's replays must log their steps (BenchValidation.Execute under a correction does).");
        double origin = v.Run.Requests.Min(r => r.QueuedTs);
        var windows = new List<StepWindow>();
        foreach (var (m, s) in v.Pairs)
            if (fits(m) && m.Tpot is { } tpot && s.Preemptions == 0
                && log.Observe(m.FirstTokenTs - origin, m.LastTokenTs - origin, m.OutputTokens - 1, tpot) is { } w)
                windows.Add(w);
        return windows;
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
