using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Grains;

/// <summary>A deployment's forecast: its replica grains' forecasts, with traffic redistributed for a replica delta.</summary>
public sealed partial class DeploymentTwinGrain : IDeploymentForecastGrain
{
    public const int MaxReplicas = 1024;

    public async Task<DeploymentForecast?> ForecastAsync(ForecastSpec spec, int replicaDelta)
    {
        if (S.Spec is not { } deployment) return null;
        if (spec.Problem() is { } problem) throw new ArgumentException(problem);
        int n = deployment.Replicas, m = n + replicaDelta;
        if (m is < 1 or > MaxReplicas) throw new ArgumentException($"replica_delta {replicaDelta} gives {m} replicas for deployment '{deployment.Name}' of {n}; it must leave 1 to {MaxReplicas}");
        if (spec.Scenario is { } yaml)
        {
            // The same forecast with and without the scenario: the same seeds, so the difference is the scenario's.
            if (replicaDelta != 0) throw new ArgumentException("a scenario and replica_delta cannot be combined: give one or the other");
            var scenario = ForecastScenario.Read(yaml, n);
            if (ForecastScenario.NeedsFleet(scenario))
            {
                // Each replica's state per seed, taken between its batches; the fleet then runs as one simulation.
                var live = await Task.WhenAll(Enumerable.Range(0, n).Select(i => GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i))
                    .HeldAsync(new ReplicaTwinConfig(deployment, S.ResolvedPerfModel, i), spec.Seeds)));
                return await GrainFactory.GetGrain<IForecastWorkerGrain>(0).ForecastFleetAsync(new ReplicaTwinConfig(deployment, S.ResolvedPerfModel, 0), spec, live);
            }
            var without = await ForecastReplicasAsync(spec with { Scenario = null }, 0);
            var with = await ForecastScenarioAsync(spec, ForecastScenario.Losses(scenario, n));
            return with with { WithoutScenario = without };
        }
        return await ForecastReplicasAsync(spec, replicaDelta);
    }

    private async Task<DeploymentForecast> ForecastReplicasAsync(ForecastSpec spec, int replicaDelta)
    {
        var deployment = S.Spec!;
        int n = deployment.Replicas, m = n + replicaDelta;
        ReplicaTwinConfig Config(int i) => new(deployment, S.ResolvedPerfModel, i);
        IReplicaForecastGrain Replica(int i) => GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i));
        Task<ReplicaForecast>[] calls;
        if (replicaDelta == 0) calls = Enumerable.Range(0, n).Select(i => Replica(i).ForecastAsync(Config(i), spec)).ToArray();
        else
        {
            var learned = await Task.WhenAll(Enumerable.Range(0, n).Select(i => Replica(i).GetTrafficAsync(Config(i))));
            var share = TrafficShare.Spread(learned, m);
            var shared = spec with { Traffic = share };
            calls = Enumerable.Range(0, m).Select(i => i < n ? Replica(i).ForecastAsync(Config(i), shared)
                : GrainFactory.GetGrain<IForecastWorkerGrain>(0).ForecastEmptyAsync(Config(i), shared)).ToArray();
        }
        var forecasts = await Task.WhenAll(calls);
        // An added replica's empty simulation starts at 0; it joins at the clock the others are at.
        double clock = forecasts.Where(f => !f.Added).Select(f => f.ClockSeconds).DefaultIfEmpty(0).Max();
        return new DeploymentForecast(deployment.Name, spec, replicaDelta, forecasts.Select(f => f.Added ? f with { ClockSeconds = clock } : f).ToArray());
    }

    /// <summary>
    /// The forecast under a scenario. Replicas it loses with their requests re-routed are forecast first, in the order
    /// they are lost; each hands over, seed by seed, the requests it held then (those re-routed to it by an earlier
    /// loss included), dealt in turn to the replicas still serving, as round-robin sends arrivals; those re-enter the
    /// same seeds' forks there at the loss and prefill again. The others are then forecast together.
    /// </summary>
    private async Task<DeploymentForecast> ForecastScenarioAsync(ForecastSpec spec, (double At, bool Reroute)[] losses)
    {
        var deployment = S.Spec!;
        int n = deployment.Replicas;
        ReplicaTwinConfig Config(int i) => new(deployment, S.ResolvedPerfModel, i);
        var scenarioSpec = spec with { ScenarioReplicas = n };
        var handed = new List<ReroutedRequest>[n][];
        ForecastSpec SpecOf(int i) => handed[i] is { } h ? scenarioSpec with { Rerouted = h.Select(l => l.ToArray()).ToArray() } : scenarioSpec;
        var forecasts = new ReplicaForecast[n];
        var first = Enumerable.Range(0, n).Where(i => losses[i].Reroute && losses[i].At <= spec.HorizonSeconds).OrderBy(i => losses[i].At).ToArray();
        foreach (int i in first)
        {
            var f = forecasts[i] = await GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i)).ForecastAsync(Config(i), SpecOf(i));
            var serving = Enumerable.Range(0, n).Where(j => losses[j].At > losses[i].At).ToArray();
            // With none serving they are lost with it, as a simulation aborts what no replica can take.
            if (serving.Length == 0) continue;
            for (int s = 0; s < f.Evacuated.Length; s++)
                for (int k = 0; k < f.Evacuated[s].Length; k++)
                {
                    int to = serving[k % serving.Length];
                    handed[to] ??= Enumerable.Range(0, spec.Seeds).Select(_ => new List<ReroutedRequest>()).ToArray();
                    handed[to][s].Add(f.Evacuated[s][k]);
                }
        }
        var rest = Enumerable.Range(0, n).Where(i => forecasts[i] is null).ToArray();
        var others = await Task.WhenAll(rest.Select(i => GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i)).ForecastAsync(Config(i), SpecOf(i))));
        for (int k = 0; k < rest.Length; k++) forecasts[rest[k]] = others[k];
        return new DeploymentForecast(deployment.Name, spec, 0, forecasts);
    }

    public async Task<ForecastScoreReport?> GetForecastScoresAsync()
    {
        if (S.Spec is not { } deployment) return null;
        var parts = await Task.WhenAll(Enumerable.Range(0, deployment.Replicas).Select(i =>
            GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i)).GetForecastScoresAsync(new ReplicaTwinConfig(deployment, S.ResolvedPerfModel, i))));
        return ForecastScoreReport.Sum(parts);
    }
}
