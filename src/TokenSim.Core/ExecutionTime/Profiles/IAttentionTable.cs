using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>One layer's attention for a step's batch, read from measured tables.</summary>
public interface IAttentionTable
{
    double SecondsPerLayer(in BatchShape s);
}
