using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// vLLM's <c>priority</c> policy. A lower <see cref="Request.Priority"/> value is served first, with ties broken
/// by arrival and then by id (<c>Request.__lt__</c>). The waiting request with the smallest
/// (priority, arrival, id) is admitted next. When blocks run out, the running request with the largest
/// (priority, arrival) is preempted, even if it was already scheduled this step (its tokens are handed back).
/// </summary>
public sealed class PriorityReplicaScheduler : ChunkedPrefillReplicaScheduler
{
    public override string Name => "priority";

    protected override int NextWaiting(ReplicaState replica)
    {
        var w = replica.Waiting;
        int best = 0;
        for (int i = 1; i < w.Count; i++)
            if (Before(w[i], w[best])) best = i;
        return best;
    }

    protected override Request Victim(ReplicaState replica, Request needy)
    {
        var running = replica.Running;
        var worst = running[0];
        foreach (var r in running)
            if (!Before(r, worst)) worst = r;
        return worst;
    }

    private static bool Before(Request a, Request b) =>
        a.Priority != b.Priority ? a.Priority < b.Priority : a.ArrivalTime != b.ArrivalTime ? a.ArrivalTime < b.ArrivalTime : a.Id < b.Id;

    public override IReplicaScheduler Clone() => new PriorityReplicaScheduler();
}
