using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// The continuous-batching scheduler that vLLM V1 runs, with its policy choices as hooks. One token budget per
/// step goes first to running requests (decodes and unfinished prefill chunks, in admission order), then to
/// waiting requests, with chunked prefill. When blocks run out, a victim is preempted by recompute, and a step
/// that preempted admits nothing. Admission stops at <c>max_num_seqs</c>, at a request whose whole sequence would
/// not fit in free blocks (the full-ISL gate), or at the first failed allocation (head-of-line blocking).
/// Variants override the budget (<see cref="Budget"/>), which waiting request comes next (<see cref="NextWaiting"/>)
/// and which running request is evicted (<see cref="Victim"/>).
/// </summary>
public abstract class ChunkedPrefillReplicaScheduler : IReplicaScheduler
{
    public abstract string Name { get; }

    /// <summary>Tokens one step may schedule.</summary>
    protected virtual int Budget(ReplicaState replica) => replica.Spec.MaxNumBatchedTokens;

    /// <summary>Index in <see cref="ReplicaState.Waiting"/> of the request to admit next (FCFS: the front).</summary>
    protected virtual int NextWaiting(ReplicaState replica) => 0;

    /// <summary>The running request to preempt when <paramref name="needy"/> cannot get blocks (vLLM FCFS: the newest).</summary>
    protected virtual Request Victim(ReplicaState replica, Request needy) => replica.Running[^1];

    /// <summary>False for iteration-level scheduling without chunking (Orca): a prompt is admitted whole or not at all.</summary>
    protected virtual bool ChunkedPrefill => true;

    /// <summary>True to serve running decodes before unfinished prefill chunks (Sarathi-Serve's stall-free order).</summary>
    protected virtual bool DecodesFirst => false;

    /// <summary>Called before a step is formed; a policy may preempt here to make room (SRPT).</summary>
    protected virtual bool BeforeStep(ReplicaState replica) => false;

    /// <summary>
    /// True when, with every running request a one-token decode and nothing admissible waiting, a step is exactly
    /// vLLM V1's: each running request in order, the newest the victim, nothing done before the step. Decode runs
    /// (<c>DecodeRun</c>) advance such steps in one go; other policies step exactly.
    /// </summary>
    internal virtual bool SteadyDecodeAsV1 => false;

    /// <summary>The token budget of a step (<see cref="Budget"/>), for decode runs.</summary>
    internal int StepBudget(ReplicaState replica) => Budget(replica);

    public void Schedule(ReplicaState replica, Batch batch)
    {
        var spec = replica.Spec;
        var kv = replica.Kv;
        var running = replica.Running;
        int budget = Budget(replica);
        bool preempted = BeforeStep(replica);
        // Swapped requests resume first, oldest first, while they fit (vLLM V0 order).
        while (replica.Swapped.Count > 0 && running.Count < spec.MaxNumSeqs)
            if (!replica.TrySwapIn() && !replica.ReclaimSwapResident()) break;

        bool stop = false;
        // Read once: a virtual property the JIT cannot inline, and the loop below asks for it per request.
        bool decodesFirst = DecodesFirst;
        for (int pass = decodesFirst ? 0 : 1; pass < 2 && !stop; pass++)
        for (int i = 0; i < running.Count && budget > 0; i++)
        {
            var r = running[i];
            // With async scheduling a request whose last tokens are all in flight is not scheduled again.
            if (r.AllTokensInFlight) continue;
            // With pipeline parallelism a request in a step still going through the stages waits for its output.
            if (spec.PipelineParallel > 1 && r.InFlight > 0) continue;
            // Decodes-first: pass 0 takes decodes, pass 1 what is left; otherwise one pass over all.
            bool isDecode = r.TokensToSchedule == 1;
            if (decodesFirst && (pass == 0) != isDecode) continue;
            int n = Math.Min(r.TokensToSchedule, budget);
            if (n <= 0) continue;
            bool selfPreempted = false;
            while (!kv.TryAllocate(r, r.NumComputed + n))
            {
                if (replica.ReclaimSwapResident()) continue; // lazy swap: make room from parked KV first
                var victim = Victim(replica, r);
                int at = running.IndexOf(victim);
                running.RemoveAt(at);
                // A victim already scheduled this step hands its tokens back (vLLM's priority policy).
                int given = batch.TokensOf(victim);
                if (given > 0)
                {
                    batch.Remove(victim);
                    budget += given;
                }
                replica.Preempt(victim);
                preempted = true;
                if (ReferenceEquals(victim, r)) { selfPreempted = true; break; }
                if (at < i) i--;
            }
            if (selfPreempted) { stop = true; break; }
            batch.Add(r, n);
            budget -= n;
        }

        if (preempted || replica.Swapped.Count > 0) return;
        var waiting = replica.Waiting;
        while (waiting.Count > 0 && budget > 0 && running.Count < spec.MaxNumSeqs)
        {
            int index = NextWaiting(replica);
            var r = waiting[index];
            // KV already here: a prefix-cache hit, or a prompt whose KV a prefill replica sent over.
            int hit = Math.Max(kv.ComputedPrefixTokens(r), r.TransferredTokens);
            r.NumComputed = hit;
            int n = Math.Min(r.NumTokens - hit, budget);
            if (!ChunkedPrefill && n < r.NumTokens - hit)
            {
                r.NumComputed = 0;
                break;
            }
            // An optional watermark keeps a share of blocks free for running requests to grow into.
            int reserve = (int)((spec.Watermark ?? 0) * kv.TotalBlocks);
            bool fits = (reserve == 0 || kv.FreeBlocks - (kv.BlocksFor(r.NumTokens) - hit / kv.BlockSize) >= reserve)
                && kv.CanFit(r, r.NumTokens) && kv.TryAllocate(r, hit + n);
            if (!fits)
            {
                r.NumComputed = 0;
                break;
            }
            waiting.RemoveAt(index);
            replica.Admit(r);
            batch.Add(r, n);
            budget -= n;
        }
    }

    public abstract IReplicaScheduler Clone();
}
