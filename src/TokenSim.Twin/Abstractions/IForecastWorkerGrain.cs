namespace TokenSim.Twin.Abstractions;

/// <summary>Forecasts of replicas a forecast adds to a deployment (replica delta): empty simulations, any activation.</summary>
public interface IForecastWorkerGrain : IGrainWithIntegerKey
{
    Task<ReplicaForecast> ForecastEmptyAsync(ReplicaTwinConfig config, ForecastSpec spec);
}
