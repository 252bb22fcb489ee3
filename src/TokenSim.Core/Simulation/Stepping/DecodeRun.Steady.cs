using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Core.Simulation.Stepping;

// When a run may start and what its steps look like: the checks that the replica's state is a steady decode nothing
// but lengths and finishes can change, and the decode sums of each step of the run.
internal sealed partial class DecodeRun
{
    /// <summary>
    /// Whether the replica is in a steady decode: every running request in the step launched as a one-token decode, in
    /// running order, with its last token sampled now and its next decode the only thing a schedule would do; with
    /// async scheduling each is also in the step scheduled ahead, unless its last token is in the launched one. A
    /// request admitted just before may instead have its prompt's last chunk in the launched step: it samples its
    /// first token there and decodes from then on like the rest (the step after an admission need not be exact).
    /// </summary>
    private bool Steady(ReplicaState replica, int lookahead)
    {
        if (sim.SchedulerOf(replica) is not ChunkedPrefillReplicaScheduler { SteadyDecodeAsV1: true } scheduler
            || replica.Role != ReplicaRole.Mixed || replica.Spec.PipelineParallel > 1
            || replica.Swapped.Count > 0 || replica.PendingSwapBytes > 0)
            return false;
        var running = replica.Running;
        int n = running.Count, budget = scheduler.StepBudget(replica);
        if (n == 0 || n > budget || (replica.Waiting.Count > 0 && !AdmissionBlocked(replica, budget))) return false;
        var launched = replica.Batch.Entries;
        var ahead = replica.Ahead.Entries;
        if (launched.Length != n || (lookahead == 1 && ahead.Length != 0)) return false;
        // A chunk of a prompt in the step ahead (the steps right after an admission) would fail below at its entry, after
        // the decodes before it: the token counts tell at once.
        if (replica.Ahead.TotalTokens != ahead.Length) return false;
        double now = sim.Now;
        int next = 0;
        for (int i = 0; i < n; i++)
        {
            var r = running[i];
            ref readonly var b = ref launched[i];
            // In flight: the launched step, and the one ahead unless the launched one samples r's last token.
            int inFlight = Math.Min(lookahead, r.OutputTokens - r.Generated);
            if (!ReferenceEquals(b.Request, r) || !b.Samples || b.Epoch != r.Epoch
                || r.Placeholders != inFlight || r.InFlight != inFlight
                || r.Status != RequestStatus.Running || (long)r.BlocksHeld * replica.Kv.BlockSize < r.NumComputed
                || !replica.Kv.GrowsByCount(r))
                return false;
            // A decode sampled its last token now; a prompt's last chunk samples the request's first token (a prompt
            // prefilled again after a preemption samples a later one, whose latency counts from before: not here).
            bool decode = b.Tokens == 1 && r.Generated >= 1 && r.LastTokenTime == now;
            if (!decode && r.Generated != 0) return false;
            if (inFlight == 1)
            {
                if (b.DecodeContextBefore + 1 != r.NumComputed) return false;
                continue;
            }
            if (next == ahead.Length) return false;
            ref readonly var a = ref ahead[next++];
            if (!ReferenceEquals(a.Request, r) || a.Tokens != 1 || !a.Samples || a.Epoch != r.Epoch
                || b.DecodeContextBefore + 1 != a.ContextBefore || a.ContextBefore + 1 != r.NumComputed)
                return false;
        }
        return next == ahead.Length;
    }

    /// <summary>
    /// Whether the waiting queue's head stays out for the whole run, as the scheduler just found: no seat left
    /// (<c>max_num_seqs</c>), no token budget left after the decodes, or its blocks do not fit (the full-ISL gate or the
    /// watermark), which a run only makes worse as it grows the running requests. Trying it again changes nothing.
    /// </summary>
    private static bool AdmissionBlocked(ReplicaState replica, int budget)
    {
        var spec = replica.Spec;
        var kv = replica.Kv;
        int n = replica.Running.Count;
        if (n >= spec.MaxNumSeqs || budget - n <= 0) return true;
        var r = replica.Waiting[0];
        // With count-only blocks nothing is cached, so the head's prefix hit is 0 (a transferred prompt is P/D's).
        if (r.TransferredTokens > 0 || r.NumComputed != 0 || !kv.GrowsByCount(r)) return false;
        int reserve = (int)((spec.Watermark ?? 0) * kv.TotalBlocks);
        return !((reserve == 0 || kv.FreeBlocks - kv.BlocksFor(r.NumTokens) >= reserve) && kv.CanFit(r, r.NumTokens));
    }

    /// <summary>
    /// The decode sums of the step launched at the end of the run's step <paramref name="j"/>, as <see cref="Batch.Shape"/>
    /// computes them: the requests still in it, each <paramref name="j"/> tokens further on than in the launched step
    /// (a prompt's last chunk there counted as the decode before its first token).
    /// </summary>
    private static (long Context, int Above, long AboveContext) DecodeShape(ReplicaState replica, int j)
    {
        long context = 0;
        int count = 0;
        foreach (ref readonly var e in replica.Batch.Entries)
        {
            if (e.Request.OutputTokens - e.Request.Generated <= j) continue;
            count++;
            context += e.DecodeContextBefore + 1 + j;
        }
        int above = 0;
        long aboveContext = 0;
        if (count > 1)
        {
            double mean = (double)context / count;
            foreach (ref readonly var e in replica.Batch.Entries)
            {
                if (e.Request.OutputTokens - e.Request.Generated <= j || e.DecodeContextBefore + 1 + j <= mean) continue;
                above++;
                aboveContext += e.DecodeContextBefore + 1 + j;
            }
        }
        return (context, above, aboveContext);
    }
}
