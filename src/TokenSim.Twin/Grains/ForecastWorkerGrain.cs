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

    public Task<DeploymentForecast> ForecastFleetAsync(ReplicaTwinConfig config, ForecastSpec spec, LiveReplicaState[] live)
    {
        var replica = DeploymentSpecs.Build(config.Spec);
        var model = ExecutionTimeModels.Parse(config.ResolvedPerfModel);
        var scenario = ForecastScenario.Read(spec.Scenario!, live.Length);
        var shadow = options.Value.ShadowOptions();
        // Each replica's new requests draw their output lengths from its recent finishes, as its own forecasts do.
        Func<int, TokenSim.Core.Randomness.SimRandom, int> OutputOf(int index)
        {
            var l = live[index];
            var lengths = new FinishedOutputPredictor(shadow.OutputPredictor, shadow.PredictorWindow, shadow.PriorOutputTokens);
            for (int i = 0; i < l.Traffic.FinishedOutputTokens.Length; i++) lengths.Observe(l.Traffic.FinishedOutputTokens[i], l.Traffic.FinishedMaxTokens[i]);
            return (cap, random) => lengths.Sample(cap, 0, random);
        }
        var name = config.Spec.Name;
        // Off the grain's scheduler, the two runs side by side (each runs its seeds in parallel).
        var without = Task.Run(() => FleetForecaster.Run(name, spec with { Scenario = null }, new TokenSim.Core.Simulation.Scenarios.Scenario([]), replica, model, live, OutputOf));
        var with = Task.Run(() => FleetForecaster.Run(name, spec, scenario, replica, model, live, OutputOf));
        return Task.WhenAll(without, with).ContinueWith(_ => with.Result with { WithoutScenario = without.Result }, TaskScheduler.Default);
    }
}
