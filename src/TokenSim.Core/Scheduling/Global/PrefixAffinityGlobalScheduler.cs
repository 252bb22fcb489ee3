using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>
/// Prefix-aware routing, as llm-d's and SGLang's routers do it. Each request goes to the replica whose prefix cache
/// already holds the longest part of its prompt, unless that replica has more than twice the least-loaded
/// replica's outstanding requests plus one. Without a hit anywhere, the least-loaded replica gets it, so that one
/// replica accumulates each family of shared prefixes.
/// </summary>
public sealed class PrefixAffinityGlobalScheduler : IGlobalScheduler
{
    public string Name => "prefix-affinity";

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas)
    {
        int least = 0;
        for (int i = 1; i < replicas.Count; i++)
            if (replicas[i].Outstanding < replicas[least].Outstanding) least = i;
        int best = -1, bestHit = 0;
        for (int i = 0; i < replicas.Count; i++)
        {
            if (replicas[i].Outstanding > 2 * replicas[least].Outstanding + 1) continue;
            int hit = replicas[i].Kv.CachedPrefixTokens(request);
            if (hit > bestHit) (best, bestHit) = (i, hit);
        }
        return best >= 0 ? best : least;
    }

    public IGlobalScheduler Clone() => this;
}
