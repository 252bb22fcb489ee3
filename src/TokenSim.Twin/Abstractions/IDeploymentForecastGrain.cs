namespace TokenSim.Twin.Abstractions;

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
