using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Sends each request to a uniformly random replica, from its own seeded stream (so routing does not shift the workload's draws).</summary>
public sealed class RandomGlobalScheduler : IGlobalScheduler
{
    private readonly SimRandom _random;

    public RandomGlobalScheduler(ulong seed) => _random = new SimRandom(seed ^ 0x524F555445UL);

    private RandomGlobalScheduler(SimRandom random) => _random = random;

    public string Name => "random";

    /// <summary>It reads no replica.</summary>
    public bool ReadsDecodeProgress => false;

    /// <summary>Nor its queues: requests may finish inside decode runs.</summary>
    public bool ReadsQueueLengths => false;

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas) => _random.NextInt(0, replicas.Count - 1);

    public IGlobalScheduler Clone() => new RandomGlobalScheduler(_random.Clone());
}
