namespace TokenSim.Twin.Abstractions;

/// <summary>A deployment's forecast: one per replica forecast (added ones included, removed ones left out).</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.DeploymentForecast")]
public sealed record DeploymentForecast(
    [property: Id(0)] string Deployment,
    [property: Id(1)] ForecastSpec Spec,
    [property: Id(2)] int ReplicaDelta,
    [property: Id(3)] ReplicaForecast[] Replicas,
    [property: Id(4)] DeploymentForecast? WithoutScenario = null);
