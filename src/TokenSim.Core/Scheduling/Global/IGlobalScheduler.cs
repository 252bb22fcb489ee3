using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Routes each arriving request to a replica.</summary>
public interface IGlobalScheduler
{
    string Name { get; }
    int Route(Request request, IReadOnlyList<ReplicaState> replicas);

    /// <summary>
    /// Whether routing reads what decode steps change (KV use, cached prefixes). True by default; a router that reads
    /// nothing, or only queue lengths, answers false, and replicas may run decode steps past arrivals routed elsewhere.
    /// </summary>
    bool ReadsDecodeProgress => true;
    IGlobalScheduler Clone();
}
