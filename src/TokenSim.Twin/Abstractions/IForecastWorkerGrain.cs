namespace TokenSim.Twin.Abstractions;

/// <summary>Forecasts that need no replica's own activation: replicas a forecast adds (replica delta), and a deployment simulated as one; any activation.</summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    Task<ReplicaForecast> ForecastEmptyAsync(ReplicaTwinConfig config, ForecastSpec spec);

    /// <summary>
    /// The deployment forecast as one simulation from its replicas' live states (<see cref="LiveReplicaState"/>, in
    /// replica order), with <see cref="ForecastSpec.Scenario"/> (an autoscaling policy, replicas added, a router
    /// change) and, the same seeds, without it.
    /// </summary>
    Task<DeploymentForecast> ForecastFleetAsync(ReplicaTwinConfig config, ForecastSpec spec, LiveReplicaState[] live);
}
