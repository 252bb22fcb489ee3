namespace TokenSim.Twin.Abstractions;

/// <summary>A replica twin's forecasts: the same activation as its <see cref="IReplicaTwinGrain"/> (same key).</summary>
public interface IReplicaForecastGrain : IGrainWithStringKey
{
    /// <summary>Forks the replica's live simulated state and runs it forward (<see cref="ForecastSpec"/>).</summary>
    Task<ReplicaForecast> ForecastAsync(ReplicaTwinConfig config, ForecastSpec spec);

    /// <summary>The traffic the replica learned from its recent arrivals.</summary>
    Task<TrafficEstimate> GetTrafficAsync(ReplicaTwinConfig config);

    /// <summary>How the forecasts scored on the production clock did so far.</summary>
    Task<ForecastScoreReport> GetForecastScoresAsync(ReplicaTwinConfig config);
}

/// <summary>Forecasts of replicas a forecast adds to a deployment (replica delta): empty simulations, any activation.</summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    Task<ReplicaForecast> ForecastEmptyAsync(ReplicaTwinConfig config, ForecastSpec spec);
}

/// <summary>A deployment's forecasts: its replicas' forecasts gathered, and their scores.</summary>
public interface IDeploymentForecastGrain : IGrainWithStringKey
{
    /// <summary>
    /// Null when the deployment is not registered. With <paramref name="replicaDelta"/> 0 each replica is driven by
    /// its own learned traffic; otherwise the deployment's traffic is spread evenly over its replicas plus the delta
    /// (added replicas start empty; removed ones, the highest-numbered, get no new traffic and are left out). Throws
    /// <see cref="ArgumentException"/> naming the field when the spec or the delta is invalid.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DeploymentForecast?> ForecastAsync(ForecastSpec spec, int replicaDelta);

    /// <summary>Every replica's forecast scores, summed; null when the deployment is not registered.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ForecastScoreReport?> GetForecastScoresAsync();
}
