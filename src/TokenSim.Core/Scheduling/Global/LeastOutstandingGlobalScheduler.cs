using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Sends each request to the replica with the fewest outstanding requests (running plus waiting); ties go to the lowest index.</summary>
public sealed class LeastOutstandingGlobalScheduler : IGlobalScheduler
{
    public string Name => "least-outstanding";

    /// <summary>Queue lengths only, which decode steps do not change.</summary>
    public bool ReadsDecodeProgress => false;

    public int Route(Request request, IReadOnlyList<ReplicaState> replicas)
    {
        int best = 0;
        for (int i = 1; i < replicas.Count; i++)
            if (replicas[i].Outstanding < replicas[best].Outstanding) best = i;
        return best;
    }

    public IGlobalScheduler Clone() => this;
}
