namespace TokenSim.Core.Simulation.Stepping;

/// <summary>
/// How a replica turns its queues into steps on the GPU: when it can start one, what starts it, and what follows
/// when one ends. Each way of stepping (one batch at a time with or without async scheduling, pipeline stages, an
/// MoE lockstep group of DP ranks) is one subclass, so the simulator's event loop stays the same for all of them.
/// </summary>
/// <remarks>
/// A stepping object belongs to one <see cref="Simulator"/> and keeps no simulation state of its own beyond caches
/// derived from the specs: a clone builds fresh ones over its own replicas.
/// </remarks>
internal abstract class ReplicaStepping(Simulator sim)
{
    protected Simulator Sim { get; } = sim;

    /// <summary>A wake-up: schedule and start what can run now.</summary>
    public abstract void Start(ReplicaState replica);

    /// <summary>The replica's step in flight ended at <see cref="Simulator.Now"/>: apply it and go on.</summary>
    public abstract void End(ReplicaState replica);

    /// <summary>Books a step of <paramref name="dt"/> seconds from <paramref name="start"/> in the metrics and for the observer and meter.</summary>
    protected void Record(ReplicaState replica, in BatchShape shape, double start, double dt)
    {
        Sim.Metrics.RecordStep(shape, dt, replica.Kv.Usage);
        Sim.Observer?.OnStep(replica.Index, shape, start, dt);
        Sim.StepMeter?.OnStep(replica.Index, shape, start, dt);
        replica.Steps++;
        replica.StepStart = start;
        replica.StepEnd = start + dt;
    }

    /// <summary>
    /// KV copies this step's scheduling issued, which run before its forward pass: swaps in and out (vLLM V0's cache
    /// ops) and prefix blocks fetched from the host tier.
    /// </summary>
    protected static double CopySeconds(ReplicaState replica)
    {
        double seconds = 0;
        if (replica.Kv.TakeFetchedBlocks() is > 0 and var fetched)
        {
            var pcie = replica.Spec.Hardware.Pcie ?? replica.Spec.Hardware.IntraNodeLink;
            seconds += pcie.LatencySeconds + (double)fetched * replica.Spec.Memory.BlockBytes / pcie.BandwidthBytesPerSecond;
        }
        if (replica.PendingSwapBytes > 0 && replica.Spec.SwapLink is { } link)
        {
            seconds += link.LatencySeconds + replica.PendingSwapBytes / link.BandwidthBytesPerSecond;
            replica.PendingSwapBytes = 0;
        }
        return seconds;
    }
}
