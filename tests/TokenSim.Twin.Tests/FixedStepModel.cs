using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Twin.Tests;

/// <summary>Every step lasts <paramref name="seconds"/>, whatever the batch: simulations a test can work out by hand.</summary>
public sealed class FixedStepModel(double seconds) : IExecutionTimeModel
{
    public string Name => "fixed";
    public double StepSeconds(in BatchShape shape) => seconds;
}
