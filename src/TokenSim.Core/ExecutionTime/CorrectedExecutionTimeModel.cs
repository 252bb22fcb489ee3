using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>An execution-time model with a <see cref="StepCorrection"/> applied to every step.</summary>
/// <remarks>The correction is replaced between runs, never during one, so clones that share the model stay deterministic.</remarks>
public sealed class CorrectedExecutionTimeModel(IExecutionTimeModel inner, StepCorrection? correction = null) : IExecutionTimeModel
{
    public IExecutionTimeModel Inner { get; } = inner;
    public StepCorrection Correction { get; set; } = correction ?? StepCorrection.None;
    public string Name => Inner.Name;

    public double StepSeconds(in BatchShape shape) => Correction.Apply(Inner.StepSeconds(shape), shape);
}
