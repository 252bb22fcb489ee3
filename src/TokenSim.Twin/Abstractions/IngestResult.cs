namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A deployment grain's answer to a batch: one outcome per event in the order given, the status of each replica
/// that received events, and the requests whose observation completed. <see cref="Found"/> is false, and nothing is
/// applied, when the deployment is not registered.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.IngestResult")]
public sealed record IngestResult(
    [property: Id(0)] bool Found,
    [property: Id(1)] EventOutcome[] Outcomes,
    [property: Id(2)] ReplicaStatus[] Replicas,
    [property: Id(3)] RequestAccuracy[] Completed)
{
    public static readonly IngestResult NotFound = new(false, [], [], []);
}
