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

    /// <summary>
    /// Whether routing reads how many requests a replica holds (running, waiting), which a request finishing inside a
    /// decode run changes. True by default: such a router keeps runs from going past a finish, unless it also reads
    /// decode progress (then every replica is settled before each arrival is routed). A router that reads no replica
    /// answers false.
    /// </summary>
    bool ReadsQueueLengths => true;
    IGlobalScheduler Clone();
}
