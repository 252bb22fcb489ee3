namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// KV capacity lost on a replica (a memory fault, another tenant): the blocks are held by a request that never runs,
/// so schedulers see them as used. Blocks in use are taken back by preempting the newest running requests (as the
/// replica's preemption mode does: recompute in vLLM V1), as many as it takes.
/// </summary>
internal static class KvCapacityLoss
{
    public static Request Take(Simulator sim, ReplicaState replica, double fraction, int eventIndex)
    {
        var kv = replica.Kv;
        int want = (int)Math.Round(fraction * kv.TotalBlocks);
        while (kv.FreeBlocks < want && replica.Running.Count > 0)
        {
            var victim = replica.Running[^1];
            replica.Running.RemoveAt(replica.Running.Count - 1);
            replica.Preempt(victim);
        }
        // Not a request of the workload: its id is negative and it never enters a queue.
        var holder = new Request(-1 - eventIndex, sim.Now, 1, 1) { Status = RequestStatus.Running, Replica = replica.Index };
        int take = Math.Min(want, kv.FreeBlocks);
        if (take > 0 && !kv.TryAllocate(holder, take * kv.BlockSize))
            throw new InvalidOperationException($"KV loss on replica {replica.Index}: {take} free blocks could not be taken.");
        return holder;
    }

    public static void Give(Simulator sim, ReplicaState replica, Request holder)
    {
        replica.Kv.Free(holder);
        sim.Wake(replica);
    }
}
