using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Grains;

/// <summary>Forecasts replicas a forecast adds: a new, empty shadow each time, so any activation can run one.</summary>
[StatelessWorker]
public sealed class ForecastWorkerGrain(IOptions<TwinOptions> options) : Grain, IForecastWorkerGrain
{
    public Task<ReplicaForecast> ForecastEmptyAsync(ReplicaTwinConfig config, ForecastSpec spec)
    {
        var shadow = new ReplicaShadow(config.Replica, DeploymentSpecs.Build(config.Spec), ExecutionTimeModels.Parse(config.ResolvedPerfModel),
            options.Value.ShadowOptions() with { ForecastScoreIntervalSeconds = 0 });
        return Task.FromResult(shadow.Forecast(spec) with { Added = true });
    }
}
