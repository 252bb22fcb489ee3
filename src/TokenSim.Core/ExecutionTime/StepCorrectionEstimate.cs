using TokenSim.Core.Randomness;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// A fitted <see cref="StepCorrection"/> with its uncertainty: the standard error of each term and their covariance
/// from the fit's weighted residuals (<see cref="StepCorrectionFit"/>). A term the windows could not separate has a
/// NaN standard error and stays at its neutral value.
/// </summary>
public sealed record StepCorrectionEstimate
{
    /// <summary>Nothing fitted: the model as it is, uncertainty unknown.</summary>
    public static StepCorrectionEstimate None { get; } = new() { Correction = StepCorrection.None };

    /// <summary>The fitted correction, each term inside its bounds.</summary>
    public required StepCorrection Correction { get; init; }
    public double KernelScaleStdErr { get; init; } = double.NaN;
    /// <summary>Standard error of <see cref="StepCorrection.PrefillStepSeconds"/> (seconds).</summary>
    public double PrefillStepStdErr { get; init; } = double.NaN;
    /// <summary>Covariance of the two terms' estimates (scale × seconds); 0 when either is not fitted.</summary>
    public double Covariance { get; init; }
    /// <summary>Windows the fit used.</summary>
    public int Windows { get; init; }
    /// <summary>Robust spread (1.4826 × MAD) of the windows' relative residuals: how far a window's mean step is from the corrected model's.</summary>
    public double ResidualScale { get; init; } = double.NaN;

    /// <summary>
    /// One correction drawn from the fit's normal approximation (mean <see cref="Correction"/>, the terms' covariance),
    /// clamped to the bounds; the same <paramref name="seed"/> always draws the same one. A term without a standard
    /// error is not varied, so an unfitted estimate always gives its correction.
    /// </summary>
    public StepCorrection Sample(int seed)
    {
        double vk = Variance(KernelScaleStdErr), vc = Variance(PrefillStepStdErr);
        if (vk == 0 && vc == 0) return Correction;
        ulong state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x5851F42D4C957F2DUL);
        double z1 = Normal(ref state), z2 = Normal(ref state);
        // Cholesky of the 2 × 2 covariance.
        double l11 = Math.Sqrt(vk);
        double l21 = l11 > 0 && vc > 0 ? Covariance / l11 : 0;
        double l22 = Math.Sqrt(Math.Max(0, vc - l21 * l21));
        return new StepCorrection
        {
            KernelScale = Correction.KernelScale + l11 * z1,
            PrefillStepSeconds = Correction.PrefillStepSeconds + l21 * z1 + l22 * z2,
        }.Clamped();

        static double Variance(double se) => double.IsFinite(se) ? se * se : 0;
        static double Normal(ref ulong s) => SimRandom.BoxMuller(SimRandom.ToUnit(SimRandom.SplitMix64(ref s)), SimRandom.ToUnit(SimRandom.SplitMix64(ref s)));
    }
}
