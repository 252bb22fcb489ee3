using TokenSim.Core.ExecutionTime;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A replica's online step correction (<see cref="StepCorrection"/>) in force, with the standard errors of the fit it
/// came from (NaN where a term has not been sized: before the first fit, or with no prefill step in any window).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.StepCorrectionReport")]
public sealed record StepCorrectionReport
{
    [Id(0)] public double KernelScale { get; init; } = 1;
    [Id(1)] public double KernelScaleStdErr { get; init; } = double.NaN;
    [Id(2)] public double PrefillStepSeconds { get; init; }
    [Id(3)] public double PrefillStepStdErr { get; init; } = double.NaN;
    /// <summary>Decode windows the fit used; 0 = nothing fitted yet.</summary>
    [Id(4)] public int Windows { get; init; }
    /// <summary>Robust spread of the windows' relative residuals under the fit.</summary>
    [Id(5)] public double ResidualScale { get; init; } = double.NaN;

    public static StepCorrectionReport Of(StepCorrectionEstimate fit, StepCorrection inForce) => new()
    {
        KernelScale = inForce.KernelScale, PrefillStepSeconds = inForce.PrefillStepSeconds,
        KernelScaleStdErr = fit.KernelScaleStdErr, PrefillStepStdErr = fit.PrefillStepStdErr, Windows = fit.Windows, ResidualScale = fit.ResidualScale,
    };
}
