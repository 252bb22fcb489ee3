namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A replica grain's answer to a batch: one outcome per event in the order given, the replica's status after it, and
/// the requests whose observation completed in this batch (for live error metrics).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaApplyResult")]
public sealed record ReplicaApplyResult(
    [property: Id(0)] EventOutcome[] Outcomes,
    [property: Id(1)] ReplicaStatus Status,
    [property: Id(2)] RequestAccuracy[] Completed);
