using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>
/// Sends each request to the replica with the least KV demand: blocks in use plus the blocks its waiting requests
/// will need for their prompts, as a fraction of its capacity. Waiting prompts count because a replica whose cache
/// looks empty may already hold a long queue. Ties go to the fewest outstanding requests, then the lowest index.
/// </summary>
public sealed class LeastKvGlobalScheduler : IGlobalScheduler
{
    public string Name => "least-kv";

    private static double Demand(ReplicaState r)
    {
        long blocks = r.Kv.UsedBlocks;
        for (int i = 0; i < r.Waiting.Count; i++) blocks += r.Kv.BlocksFor(r.Waiting[i].NumTokens);
        return (double)blocks / Math.Max(1, r.Kv.TotalBlocks);
    }

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas)
    {
        int best = 0;
        double bestDemand = Demand(replicas[0]);
        for (int i = 1; i < replicas.Count; i++)
        {
            double d = Demand(replicas[i]);
            if (d < bestDemand || (d == bestDemand && replicas[i].Outstanding < replicas[best].Outstanding)) (best, bestDemand) = (i, d);
        }
        return best;
    }

    public IGlobalScheduler Clone() => this;
}
