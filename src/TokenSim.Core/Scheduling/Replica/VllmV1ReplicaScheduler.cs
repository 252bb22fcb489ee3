using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// vLLM V1's scheduler (<c>vllm/v1/core/sched/scheduler.py</c>): one token budget per step shared by running
/// requests first (decodes and unfinished prefill chunks, in admission order), then waiting requests FCFS with
/// chunked prefill. When blocks run out the newest running request is preempted by recompute; a step that
/// preempted admits nothing. Admission stops at <c>max_num_seqs</c>, at the first request whose whole sequence
/// would not fit in free blocks (the full-ISL gate), or at the first failed allocation (head-of-line blocking).
/// </summary>
public sealed class VllmV1ReplicaScheduler : IReplicaScheduler
{
    public string Name => "vllm-v1";

    public void Schedule(ReplicaState replica, Batch batch)
    {
        var spec = replica.Spec;
        var kv = replica.Kv;
        var running = replica.Running;
        int budget = spec.MaxNumBatchedTokens;
        bool preempted = false;

        for (int i = 0; i < running.Count && budget > 0; i++)
        {
            var r = running[i];
            // With async scheduling a request whose last tokens are all in flight is not scheduled again.
            if (r.AllTokensInFlight) continue;
            int n = Math.Min(r.TokensToSchedule, budget);
            if (n <= 0) continue;
            bool selfPreempted = false;
            while (!kv.TryAllocate(r, r.NumComputed + n))
            {
                // The newest admitted request is the victim; it sits at or after i, so it was not scheduled yet.
                var victim = running[^1];
                running.RemoveAt(running.Count - 1);
                replica.Preempt(victim);
                preempted = true;
                if (ReferenceEquals(victim, r)) { selfPreempted = true; break; }
            }
            if (selfPreempted) break;
            batch.Add(r, n);
            budget -= n;
        }

        if (preempted) return;
        var waiting = replica.Waiting;
        while (waiting.Count > 0 && budget > 0 && running.Count < spec.MaxNumSeqs)
        {
            var r = waiting.PeekFront();
            int hit = kv.ComputedPrefixTokens(r);
            r.NumComputed = hit;
            int n = Math.Min(r.NumTokens - hit, budget);
            if (!kv.CanFit(r, r.NumTokens) || !kv.TryAllocate(r, hit + n))
            {
                r.NumComputed = 0;
                break;
            }
            waiting.PopFront();
            replica.Admit(r);
            batch.Add(r, n);
            budget -= n;
        }
    }

    public IReplicaScheduler Clone() => new VllmV1ReplicaScheduler();
}
