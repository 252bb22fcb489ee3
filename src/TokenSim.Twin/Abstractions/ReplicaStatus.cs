namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A replica twin at its clock: the simulated running and waiting counts and KV use, the last engine snapshot's
/// (null before the first), and the running means of both over the snapshots applied so far (KV use observed only
/// over the snapshots that reported it).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaStatus")]
public sealed record ReplicaStatus
{
    [Id(0)] public required int Replica { get; init; }
    [Id(1)] public required double ClockSeconds { get; init; }
    [Id(2)] public required int SimulatedRunning { get; init; }
    [Id(3)] public required int SimulatedWaiting { get; init; }
    [Id(4)] public required double SimulatedKvUsage { get; init; }
    [Id(5)] public int? ObservedRunning { get; init; }
    [Id(6)] public int? ObservedWaiting { get; init; }
    [Id(7)] public double? ObservedKvUsage { get; init; }
    [Id(8)] public int Snapshots { get; init; }
    [Id(9)] public double ObservedRunningMean { get; init; }
    [Id(10)] public double SimulatedRunningMean { get; init; }
    [Id(11)] public double ObservedWaitingMean { get; init; }
    [Id(12)] public double SimulatedWaitingMean { get; init; }
    /// <summary>Snapshots that reported KV use.</summary>
    [Id(13)] public int KvSnapshots { get; init; }
    /// <summary>Mean observed KV use over the snapshots that reported it; null when none did.</summary>
    [Id(14)] public double? ObservedKvUsageMean { get; init; }
    /// <summary>Mean simulated KV use at the snapshots that reported it; null when none did.</summary>
    [Id(15)] public double? SimulatedKvUsageMeanAtObserved { get; init; }
    /// <summary>Mean simulated KV use over every snapshot.</summary>
    [Id(16)] public double SimulatedKvUsageMean { get; init; }
    /// <summary>The online step correction the replica's simulation ran with, and its uncertainty; null from a twin that had none.</summary>
    [Id(30)] public StepCorrectionReport? StepCorrection { get; init; }
}
