using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// A small, physical correction of a step-time model learned from a running engine: a scale on the model's step
/// time (its kernels are uniformly faster or slower than the profile or roofline says) and a fixed cost of every
/// step that carries prefill tokens (what docs/accuracy.md measures and no source sizes: about 4 ms on the visible
/// run). Both bounded, so a bad fit cannot take the simulator somewhere no engine is.
/// </summary>
public sealed record StepCorrection
{
    public const double MinScale = 0.5, MaxScale = 2.0, MaxPrefillStepSeconds = 0.05;

    public static StepCorrection None { get; } = new();

    /// <summary>Multiplies the model's step time; 1 = the model as it is.</summary>
    public double KernelScale { get; init; } = 1;
    /// <summary>Added to every step with prefill tokens (seconds); 0 = none.</summary>
    public double PrefillStepSeconds { get; init; }

    public double Apply(double modelSeconds, in BatchShape s) =>
        modelSeconds <= 0 ? 0 : KernelScale * modelSeconds + (s.PrefillTokens > 0 ? PrefillStepSeconds : 0);

    /// <summary>This correction with each term inside its bounds.</summary>
    public StepCorrection Clamped() => new()
    {
        KernelScale = Math.Clamp(KernelScale, MinScale, MaxScale),
        PrefillStepSeconds = Math.Clamp(PrefillStepSeconds, 0, MaxPrefillStepSeconds),
    };
}
