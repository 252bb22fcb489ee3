namespace TokenSim.Twin.Abstractions;

/// <summary>A deployment's forecast: one per replica forecast (added ones included, removed ones left out).</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.DeploymentForecast")]
public sealed record DeploymentForecast(
    [property: Id(0)] string Deployment,
    [property: Id(1)] ForecastSpec Spec,
    [property: Id(2)] int ReplicaDelta,
    [property: Id(3)] ReplicaForecast[] Replicas,
    [property: Id(4)] DeploymentForecast? WithoutScenario = null)
{
    /// <summary>A forecast of the deployment as one simulation (a scenario that autoscales): per seed and step, the
    /// replicas serving; null otherwise.</summary>
    [Id(5)] public float[][]? ServingReplicas { get; init; }
    /// <summary>As <see cref="ServingReplicas"/>, the replicas paid for (serving, starting or draining).</summary>
    [Id(6)] public float[][]? ProvisionedReplicas { get; init; }
    /// <summary>Per seed, the GPU-hours the fleet paid for over the horizon; null unless <see cref="ServingReplicas"/> is set.</summary>
    [Id(7)] public double[]? GpuHours { get; init; }
}
