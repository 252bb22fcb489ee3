namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// What a step's end does to its requests, whatever the way of stepping: each sequence that caught up samples a
/// token (the first is TTFT, later ones feed ITL), a request that reaches its output length finishes and frees its
/// blocks, and on a prefill replica the first token starts the hand-off to the decode pool.
/// </summary>
internal sealed class StepOutputs(Simulator sim, KvHandoff handoff)
{
    private readonly List<Request> _finishedScratch = [];

    /// <summary>Applies a finished step: tokens sampled, requests finished or handed off to the decode pool.</summary>
    public void Apply(ReplicaState replica)
    {
        var finished = _finishedScratch;
        bool handedOff = false;
        foreach (ref readonly var e in replica.Batch.Entries)
        {
            var r = e.Request;
            r.InFlight--;
            // A request preempted after this step was scheduled lost its KV: its output here is void.
            if (e.Epoch != r.Epoch) continue;
            if (sim.Observer is not null && (e.Tokens > 1 || !e.Samples)) sim.Observer.OnPrefillChunk(r, e.Tokens, sim.Now);
            if (!e.Samples) continue;
            replica.TokensGenerated++;
            r.Placeholders--;
            r.Generated++;
            if (replica.Role == ReplicaRole.Prefill)
            {
                handoff.Send(replica, r);
                handedOff = true;
                continue;
            }
            if (r.Generated == 1)
            {
                r.FirstTokenTime = sim.Now;
                replica.PromptTokensServed += r.PromptTokens;
            }
            else sim.Metrics.RecordItl(sim.Now - r.LastTokenTime);
            r.LastTokenTime = sim.Now;
            sim.Observer?.OnToken(r, sim.Now);
            if (r.Generated >= r.OutputTokens)
            {
                r.FinishTime = sim.Now;
                r.Status = RequestStatus.Finished;
                replica.Kv.Free(r);
                finished.Add(r);
            }
        }
        if (finished.Count > 0 || handedOff)
        {
            var running = replica.Running;
            int w = 0;
            for (int i = 0; i < running.Count; i++)
                if (running[i].Status is not (RequestStatus.Finished or RequestStatus.Transferring)) running[w++] = running[i];
            running.RemoveRange(w, running.Count - w);
            foreach (var r in finished) sim.Finished(r);
            finished.Clear();
            sim.PullSource();
        }
    }
}
