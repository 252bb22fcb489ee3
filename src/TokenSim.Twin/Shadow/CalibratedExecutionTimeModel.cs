using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// An execution-time model whose step times are scaled by a factor the twin learns online (<see cref="Scale"/>, 1 at
/// start): production's observed timings correct a model whose efficiency factors are off.
/// </summary>
/// <remarks>Shared by a replica's live simulation and its clones; only changed between events, never during a run.</remarks>
public sealed class CalibratedExecutionTimeModel(IExecutionTimeModel inner) : IExecutionTimeModel
{
    public IExecutionTimeModel Inner { get; } = inner;
    public double Scale { get; set; } = 1;
    public string Name => Inner.Name;

    public double StepSeconds(in BatchShape shape) => Scale * Inner.StepSeconds(shape);
}
