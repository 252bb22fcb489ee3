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
            ForecastScenario.Read(yaml, n);
            var without = await ForecastAsync(spec with { Scenario = null }, 0, null);
            var with = await ForecastAsync(spec, 0, spec with { ScenarioReplicas = n });
            return with with { WithoutScenario = without };
        }
        return await ForecastAsync(spec, replicaDelta, null);
    }

    /// <param name="scenarioSpec">What each replica is asked to forecast when it differs from <paramref name="spec"/> (a scenario split over the replicas).</param>
    private async Task<DeploymentForecast> ForecastAsync(ForecastSpec spec, int replicaDelta, ForecastSpec? scenarioSpec)
    {
        var deployment = S.Spec!;
        int n = deployment.Replicas, m = n + replicaDelta;
        ReplicaTwinConfig Config(int i) => new(deployment, S.ResolvedPerfModel, i);
        IReplicaForecastGrain Replica(int i) => GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i));
        Task<ReplicaForecast>[] calls;
        if (replicaDelta == 0) calls = Enumerable.Range(0, n).Select(i => Replica(i).ForecastAsync(Config(i), scenarioSpec ?? spec)).ToArray();
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

    public async Task<ForecastScoreReport?> GetForecastScoresAsync()
    {
        if (S.Spec is not { } deployment) return null;
        var parts = await Task.WhenAll(Enumerable.Range(0, deployment.Replicas).Select(i =>
            GrainFactory.GetGrain<IReplicaForecastGrain>(ReplicaGrainKey.Of(deployment.Name, i)).GetForecastScoresAsync(new ReplicaTwinConfig(deployment, S.ResolvedPerfModel, i))));
        return ForecastScoreReport.Sum(parts);
    }
}
