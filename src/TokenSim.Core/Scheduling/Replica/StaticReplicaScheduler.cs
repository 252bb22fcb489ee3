using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Static batching, as FasterTransformer serves requests. A batch of up to <c>max_num_seqs</c> waiting requests is
/// formed, with KV reserved for each one's whole prompt plus output. All its prompts are prefilled in one step,
/// and then it decodes until every member has finished. No request joins a batch in progress, so a short request
/// holds its slot until the longest one in its batch is done.
/// </summary>
public sealed class StaticReplicaScheduler : IReplicaScheduler
{
    public string Name => "static";

    public void Schedule(ReplicaState replica, Batch batch)
    {
        var running = replica.Running;
        var kv = replica.Kv;
        // The batch in progress: requests that finished are gone from running; the rest decode.
        if (running.Count > 0)
        {
            foreach (var r in running)
                if (!r.AllTokensInFlight && r.TokensToSchedule > 0) batch.Add(r, r.TokensToSchedule);
            return;
        }
        var waiting = replica.Waiting;
        while (waiting.Count > 0 && running.Count < replica.Spec.MaxNumSeqs)
        {
            var r = waiting.PeekFront();
            // The whole sequence is reserved up front: a static batch never grows or preempts.
            if (!kv.TryAllocate(r, r.PromptTokens + r.OutputTokens)) break;
            waiting.PopFront();
            replica.Admit(r);
            batch.Add(r, r.NumTokens - r.NumComputed);
        }
    }

    public IReplicaScheduler Clone() => new StaticReplicaScheduler();
}
