using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>The wall time of one engine step (one forward pass plus per-step overhead) for a batch shape.</summary>
public interface IExecutionTimeModel
{
    string Name { get; }
    double StepSeconds(in BatchShape shape);
}
