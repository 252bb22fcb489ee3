namespace TokenSim.Twin.Abstractions;

/// <summary>Every request's prediction and observation, by replica then arrival, and each replica's status.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.AccuracySnapshot")]
public sealed record AccuracySnapshot(
    [property: Id(0)] RequestAccuracy[] Requests,
    [property: Id(1)] ReplicaStatus[] Replicas);
