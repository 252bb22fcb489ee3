namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// Disaggregated serving's hand-off from the prefill pool to the decode pool, as in vLLM's and llm-d's P/D
/// disaggregation: a prefill replica samples a request's first token, the request leaves its batch, and its prompt
/// KV (one rank's share per GPU, all ranks in parallel) crosses the transfer link. The token reaches the client only
/// when the KV lands and a decode replica takes over, so the transfer shows in TTFT.
/// </summary>
internal sealed class KvHandoff(Simulator sim)
{
    /// <summary>A prefill replica sampled <paramref name="r"/>'s first token: send its KV on its way.</summary>
    public void Send(ReplicaState replica, Request r)
    {
        r.Status = RequestStatus.Transferring;
        r.Epoch++; // a decode step already scheduled for it here is void
        r.Placeholders = 0;
        r.TransferredTokens = Math.Min(r.NumComputed, r.NumTokens - 1); // the prompt; the new token has no KV yet
        var link = sim.Options.KvTransferLink ?? replica.Spec.Hardware.InterNode ?? replica.Spec.Hardware.IntraNodeLink;
        double bytes = (double)r.TransferredTokens * replica.Spec.Memory.BlockBytes / replica.Spec.BlockSize;
        // A scenario's slower link (slow-link on the prefill replica, which sends) stretches the crossing, not its latency.
        double seconds = link.LatencySeconds + bytes * sim.LinkSlowdown(replica.Index) / link.BandwidthBytesPerSecond;
        sim.Metrics.RecordKvTransfer(seconds);
        sim.BookTransferDone(replica.Index, r, sim.Now + seconds);
    }

    /// <summary>
    /// <paramref name="r"/>'s KV reached the decode pool: the prefill replica frees it, the first token is delivered,
    /// and the least-loaded decode replica takes the request (unless that one token was all it asked for).
    /// </summary>
    public void Land(Request r)
    {
        var replicas = sim.Replicas;
        replicas[r.Replica].Kv.Free(r);
        if (r.Status == RequestStatus.Aborted) return;
        // Its prefill replica was lost while the KV crossed (docs/scenarios.md): the transfer failed with it.
        if (!sim.IsServing(r.Replica))
        {
            sim.TransferLost(r);
            return;
        }
        // A request prefilled again after its decode replica was lost had its first token before.
        if (double.IsNaN(r.FirstTokenTime)) r.FirstTokenTime = sim.Now;
        r.LastTokenTime = sim.Now;
        sim.Observer?.OnToken(r, sim.Now);
        if (r.Generated >= r.OutputTokens)
        {
            r.FinishTime = sim.Now;
            r.Status = RequestStatus.Finished;
            sim.Finished(r);
            sim.PullSource();
            return;
        }
        int firstDecode = sim.EntryCount;
        ReplicaState? target = null;
        for (int i = firstDecode; i < replicas.Count; i++)
            if (sim.IsServing(i) && (target is null || replicas[i].Outstanding < target.Outstanding)) target = replicas[i];
        // Every decode replica lost: nothing can take it.
        if (target is null)
        {
            sim.Abort(r);
            return;
        }
        r.Replica = target.Index;
        r.NumComputed = 0;
        r.Status = RequestStatus.Waiting;
        target.Waiting.PushBack(r);
        sim.RequestWake(target);
    }
}
