using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>The wall time of one engine step (one forward pass plus per-step overhead) for a batch shape.</summary>
/// <remarks>
/// A pure function of the shape, so one instance serves every rank and every clone of a simulation; the exception,
/// <see cref="CorrectedExecutionTimeModel"/>, carries a correction its owner may replace between steps.
/// </remarks>
public interface IExecutionTimeModel
{
    string Name { get; }
    double StepSeconds(in BatchShape shape);
}
