using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Grains;

/// <summary>A deployment grain's persisted state. Ids are never renumbered.</summary>
[GenerateSerializer, Alias("TokenSim.Twin.DeploymentTwinState")]
public sealed class DeploymentTwinState
{
    [Id(0)] public TwinDeploymentSpec? Spec { get; set; }
    [Id(1)] public string ResolvedPerfModel { get; set; } = "";
    [Id(2)] public int KvBlocks { get; set; }
    /// <summary>Unix seconds of the first event applied: the deployment's clock origin.</summary>
    [Id(3)] public double? OriginUnixSeconds { get; set; }
    [Id(4)] public long EventsApplied { get; set; }
    /// <summary>Unix seconds of the latest production time applied: where the accepted window is anchored.</summary>
    [Id(5)] public double? ClockUnixSeconds { get; set; }
}
