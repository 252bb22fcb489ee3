using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Routes each arriving request to a replica.</summary>
public interface IGlobalScheduler
{
    string Name { get; }
    int Route(Request request, IReadOnlyList<ReplicaState> replicas);
    IGlobalScheduler Clone();
}
