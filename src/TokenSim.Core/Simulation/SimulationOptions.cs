using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;

namespace TokenSim.Core.Simulation;

/// <summary>What a simulator is built from: the replica (all replicas alike), how many, the router and the seed.</summary>
public sealed record SimulationOptions
{
    public required ReplicaSpec Replica { get; init; }
    public int Replicas { get; init; } = 1;
    public string Router { get; init; } = "round-robin";
    /// <summary>Builds a replica's execution-time model; default the roofline.</summary>
    public Func<ReplicaSpec, IExecutionTimeModel>? ExecutionTime { get; init; }
    public ulong Seed { get; init; }
    /// <summary>
    /// Disaggregated serving (Splitwise, DistServe): when set, the <see cref="Replicas"/> replicas of
    /// <see cref="Replica"/> only prefill, and this many replicas of <see cref="DecodeReplica"/> decode.
    /// </summary>
    public int DecodeReplicas { get; init; }
    /// <summary>The decode pool's replica (its own hardware, TP and engine settings); default the prefill pool's.</summary>
    public ReplicaSpec? DecodeReplica { get; init; }
    /// <summary>The link a request's KV crosses from its prefill replica to its decode replica; default the prefill GPU's inter-node link.</summary>
    public LinkSpec? KvTransferLink { get; init; }
    public bool Disaggregated => DecodeReplicas > 0;
    /// <summary>Sampling period of the per-replica time series in simulated seconds; 0 = off.</summary>
    public double TimeSeriesIntervalSeconds { get; init; }
    /// <summary>
    /// Processes every engine step as an event of its own (<c>--exact-steps</c>), instead of advancing runs of decode
    /// steps in which nothing can change in one go. The results are the same; this is the reference the skip is tested against.
    /// </summary>
    public bool ExactSteps { get; init; }
}
