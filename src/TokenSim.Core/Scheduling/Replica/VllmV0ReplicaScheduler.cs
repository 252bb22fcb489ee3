using TokenSim.Core.Simulation;

namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// vLLM V0's default scheduler (<c>vllm/core/scheduler.py</c>, <c>_schedule_default</c>, chunked prefill off):
/// a step is either all prefills or all decodes. Waiting prompts are admitted whole, FCFS, while their total fits
/// the token budget (at least <c>max_model_len</c>, as V0 requires without chunking), <c>max_num_seqs</c> and the
/// free blocks minus a 1% watermark; if any were admitted the step is prefill-only. Otherwise every running
/// request decodes one token, preempting the newest by recompute when a block is missing.
/// </summary>
public sealed class VllmV0ReplicaScheduler : IReplicaScheduler
{
    /// <summary>V0 <c>BlockSpaceManager</c> keeps 1% of blocks free at admission.</summary>
    public const double WatermarkFraction = 0.01;

    public string Name => "vllm-v0";

    public void Schedule(ReplicaState replica, Batch batch)
    {
        var spec = replica.Spec;
        var kv = replica.Kv;
        var running = replica.Running;
        var waiting = replica.Waiting;
        int budget = Math.Max(spec.MaxNumBatchedTokens, spec.MaxModelLen);
        // V0 resumes swapped requests before any new prefill, and runs no prefill while any stay swapped.
        while (replica.Swapped.Count > 0 && running.Count < spec.MaxNumSeqs)
            if (!replica.TrySwapIn() && !replica.ReclaimSwapResident()) break;
        int watermark = (int)((spec.Watermark ?? WatermarkFraction) * kv.TotalBlocks);

        while (replica.Swapped.Count == 0 && waiting.Count > 0 && running.Count < spec.MaxNumSeqs)
        {
            var r = waiting.PeekFront();
            r.NumComputed = r.TransferredTokens; // KV sent over by a prefill replica, if any
            int n = r.NumTokens - r.NumComputed;
            if (n > budget) { r.NumComputed = 0; break; }
            if (kv.FreeBlocks - (kv.BlocksFor(r.NumTokens) - r.BlocksHeld) < watermark || !kv.TryAllocate(r, r.NumTokens))
            {
                r.NumComputed = 0;
                break;
            }
            waiting.PopFront();
            replica.Admit(r);
            batch.Add(r, n);
            budget -= n;
        }
        if (batch.Count > 0) return;

        for (int i = 0; i < running.Count; i++)
        {
            var r = running[i];
            int n = r.NumTokens - r.NumComputed;
            if (n <= 0) continue;
            bool selfPreempted = false;
            while (!kv.TryAllocate(r, r.NumComputed + n))
            {
                if (replica.ReclaimSwapResident()) continue;
                var victim = running[^1];
                running.RemoveAt(running.Count - 1);
                replica.Preempt(victim);
                if (ReferenceEquals(victim, r)) { selfPreempted = true; break; }
            }
            if (selfPreempted) break;
            batch.Add(r, n);
        }
    }

    public IReplicaScheduler Clone() => new VllmV0ReplicaScheduler();
}
