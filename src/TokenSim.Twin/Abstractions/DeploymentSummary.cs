namespace TokenSim.Twin.Abstractions;

/// <summary>A registered deployment: its spec, the execution-time model resolved for it, and its progress.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.DeploymentSummary")]
public sealed record DeploymentSummary(
    [property: Id(0)] TwinDeploymentSpec Spec,
    [property: Id(1)] string ResolvedPerfModel,
    [property: Id(2)] int KvBlocks,
    [property: Id(3)] long EventsApplied);
