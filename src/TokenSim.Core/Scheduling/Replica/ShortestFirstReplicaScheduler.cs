using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Shortest-first scheduling on predicted work (<see cref="OutputLengthPredictor"/>).
/// <list type="bullet">
/// <item><c>sjf</c>, shortest job first: the waiting request with the least predicted work, prompt plus output,
/// is admitted next. It is non-preemptive: blocks running out still evict the newest request.</item>
/// <item><c>srpt</c>, shortest remaining processing time: requests are ranked by predicted remaining tokens,
/// prefill still to do plus outputs still to generate. When every slot is taken and a waiting request has less
/// left than the running request with the most left, that one is preempted (by recompute) to make room, at most one
/// per step. The same ranking chooses the victim when blocks run out.</item>
/// </list>
/// </summary>
public sealed class ShortestFirstReplicaScheduler(bool remaining, OutputLengthPredictor predictor) : ChunkedPrefillReplicaScheduler
{
    public override string Name => remaining ? "srpt" : "sjf";

    private long Work(Request r) => remaining
        ? (long)(r.NumTokens - r.NumComputed) + Math.Max(1, predictor.Predict(r) - r.Generated)
        : (long)r.PromptTokens + predictor.Predict(r);

    protected override int NextWaiting(ReplicaState replica)
    {
        var w = replica.Waiting;
        int best = 0;
        long bestWork = Work(w[0]);
        for (int i = 1; i < w.Count; i++)
        {
            long work = Work(w[i]);
            if (work < bestWork) (best, bestWork) = (i, work);
        }
        return best;
    }

    protected override Request Victim(ReplicaState replica, Request needy) => remaining ? Longest(replica) : replica.Running[^1];

    private Request Longest(ReplicaState replica)
    {
        var running = replica.Running;
        var longest = running[^1];
        long most = Work(longest);
        for (int i = running.Count - 2; i >= 0; i--)
        {
            long work = Work(running[i]);
            if (work > most) (longest, most) = (running[i], work);
        }
        return longest;
    }

    protected override bool BeforeStep(ReplicaState replica)
    {
        if (!remaining || replica.Waiting.Count == 0 || replica.Running.Count < replica.Spec.MaxNumSeqs) return false;
        var candidate = replica.Waiting[NextWaiting(replica)];
        var longest = Longest(replica);
        if (longest.AllTokensInFlight || longest.Placeholders > 0 || Work(candidate) >= Work(longest)) return false;
        replica.Running.Remove(longest);
        replica.Preempt(longest);
        return false; // a slot was made on purpose: admission goes ahead this step
    }

    public override IReplicaScheduler Clone() => new ShortestFirstReplicaScheduler(remaining, predictor);
}
