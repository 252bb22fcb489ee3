namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One page of a deployment's accuracy records, by replica then arrival, and where the next page starts
/// (<see cref="NextReplica"/>, <see cref="NextOrdinal"/>; null on the last page). <see cref="Replicas"/> and
/// <see cref="Totals"/> come with the first page only.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.DeploymentAccuracyPage")]
public sealed record DeploymentAccuracyPage(
    [property: Id(0)] RequestAccuracy[] Requests,
    [property: Id(1)] ReplicaStatus[]? Replicas,
    [property: Id(2)] AccuracyTotals? Totals,
    [property: Id(3)] int? NextReplica,
    [property: Id(4)] long NextOrdinal);
