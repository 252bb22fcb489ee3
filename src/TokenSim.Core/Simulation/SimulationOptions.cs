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
    /// <summary>Sampling period of the per-replica time series in simulated seconds; 0 = off.</summary>
    public double TimeSeriesIntervalSeconds { get; init; }
}
