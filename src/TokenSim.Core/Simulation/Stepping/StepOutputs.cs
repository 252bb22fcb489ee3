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
        // Read once: the loop below runs for every sequence of every exact step.
        var observer = sim.Observer;
        var metrics = sim.Metrics;
        double now = sim.Now;
        bool prefillRole = replica.Role == ReplicaRole.Prefill;
        foreach (ref readonly var e in replica.Batch.Entries)
        {
            var r = e.Request;
            r.InFlight--;
            // A request preempted after this step was scheduled lost its KV: its output here is void.
            if (e.Epoch != r.Epoch) continue;
            if (observer is not null && (e.Tokens > 1 || !e.Samples)) observer.OnPrefillChunk(r, e.Tokens, now);
            if (!e.Samples) continue;
            replica.TokensGenerated++;
            r.Placeholders--;
            r.Generated++;
            if (prefillRole)
            {
                handoff.Send(replica, r);
                handedOff = true;
                continue;
            }
            if (r.Generated == 1)
            {
                r.FirstTokenTime = now;
                replica.PromptTokensServed += r.PromptTokens;
            }
            else metrics.RecordItl(now - r.LastTokenTime);
            r.LastTokenTime = now;
            observer?.OnToken(r, now);
            if (r.Generated >= r.OutputTokens)
            {
                r.FinishTime = now;
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
