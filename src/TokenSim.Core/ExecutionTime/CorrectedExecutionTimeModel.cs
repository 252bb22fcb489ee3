using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>An execution-time model with a <see cref="StepCorrection"/> applied to every step.</summary>
/// <remarks>
/// The one mutable model: its owner may replace <see cref="Correction"/> between steps (the twin calibrates it live).
/// Simulators and their clones share the instance, so every one of them sees a new correction from its next step on;
/// an owner that wants a clone to run on another correction sets it around that clone's run and restores it after.
/// </remarks>
public sealed class CorrectedExecutionTimeModel(IExecutionTimeModel inner, StepCorrection? correction = null) : IExecutionTimeModel
{
    public IExecutionTimeModel Inner { get; } = inner;
    public StepCorrection Correction { get; set; } = correction ?? StepCorrection.None;
    public string Name => Inner.Name;

    public double StepSeconds(in BatchShape shape) => Correction.Apply(Inner.StepSeconds(shape), shape);

    /// <summary>The inner model's segment, each step corrected (the correction reads only token counts, which the steps share).</summary>
    public void DecodeStepSeconds(in BatchShape first, Span<double> seconds)
    {
        Inner.DecodeStepSeconds(first, seconds);
        var c = Correction;
        for (int i = 0; i < seconds.Length; i++) seconds[i] = c.Apply(seconds[i], first);
    }
}
