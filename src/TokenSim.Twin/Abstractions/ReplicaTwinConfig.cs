namespace TokenSim.Twin.Abstractions;

/// <summary>
/// What a replica grain needs to build its simulation, handed over by its deployment grain with each batch (so a
/// replica never calls back into its deployment, which would deadlock a non-reentrant grain pair).
/// <see cref="OriginUnixSeconds"/> is the deployment's clock origin (Unix seconds of its first event): it maps the
/// replica's clock to production's wall clock, the clock of the KV events the replica mirrors.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaTwinConfig")]
public sealed record ReplicaTwinConfig(
    [property: Id(0)] TwinDeploymentSpec Spec,
    [property: Id(1)] string ResolvedPerfModel,
    [property: Id(2)] int Replica,
    [property: Id(3)] double OriginUnixSeconds = 0);
