namespace TokenSim.Twin.Abstractions;

/// <summary>
/// The kept requests' predictions and observations, by replica then arrival, each replica's status, and the accuracy
/// totals over every closed request (those whose records were evicted included).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.AccuracySnapshot")]
public sealed record AccuracySnapshot(
    [property: Id(0)] RequestAccuracy[] Requests,
    [property: Id(1)] ReplicaStatus[] Replicas,
    [property: Id(2)] AccuracyTotals Totals);
