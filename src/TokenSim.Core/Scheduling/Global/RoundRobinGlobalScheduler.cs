using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Sends request k to replica k mod N, in arrival order.</summary>
public sealed class RoundRobinGlobalScheduler : IGlobalScheduler
{
    private long _next;

    public string Name => "round-robin";

    /// <summary>It reads no replica.</summary>
    public bool ReadsDecodeProgress => false;

    /// <summary>Nor its queues: requests may finish inside decode runs.</summary>
    public bool ReadsQueueLengths => false;

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas) => (int)(_next++ % replicas.Count);

    public IGlobalScheduler Clone() => new RoundRobinGlobalScheduler { _next = _next };
}
