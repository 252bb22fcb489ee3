namespace TokenSim.Twin.Abstractions;

/// <summary>
/// What to forecast: <see cref="HorizonSeconds"/> ahead of each replica's clock in steps of <see cref="StepSeconds"/>,
/// over <see cref="Seeds"/> independent draws of the future, with arrivals at <see cref="TrafficMultiplier"/> times
/// the learned rate. <see cref="Traffic"/>, when set, replaces the replica's own learned traffic (the deployment's
/// traffic redistributed over a different number of replicas).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ForecastSpec")]
public sealed record ForecastSpec
{
    public const int MaxSteps = 10_000;
    public const int MaxSeeds = 64;

    [Id(0)] public required double HorizonSeconds { get; init; }
    [Id(1)] public required double StepSeconds { get; init; }
    [Id(2)] public double TrafficMultiplier { get; init; } = 1;
    [Id(3)] public int Seeds { get; init; } = 8;
    [Id(4)] public TrafficEstimate? Traffic { get; init; }
    /// <summary>A scenario timeline (YAML, docs/scenarios.md) applied from each replica's clock; null for none.</summary>
    [Id(5)] public string? Scenario { get; init; }
    /// <summary>The deployment's replica count the <see cref="Scenario"/> is split over (set by the deployment grain).</summary>
    [Id(6)] public int ScenarioReplicas { get; init; }
    /// <summary>Per seed, the requests a replica the scenario lost re-routes to this one (set by the deployment grain); null for none.</summary>
    [Id(7)] public ReroutedRequest[][]? Rerouted { get; init; }

    public int Steps => (int)Math.Ceiling(HorizonSeconds / StepSeconds - 1e-9);

    /// <summary>The first problem with the spec, naming its field, or null.</summary>
    public string? Problem()
    {
        if (!(HorizonSeconds > 0) || double.IsInfinity(HorizonSeconds)) return $"horizon_s must be a positive number of seconds (got {HorizonSeconds})";
        if (!(StepSeconds > 0) || double.IsInfinity(StepSeconds)) return $"step_s must be a positive number of seconds (got {StepSeconds})";
        if (StepSeconds > HorizonSeconds) return $"step_s {StepSeconds} must not exceed horizon_s {HorizonSeconds}";
        if (Steps > MaxSteps) return $"horizon_s / step_s gives {Steps} steps; at most {MaxSteps} (choose a larger step_s)";
        if (!(TrafficMultiplier >= 0) || double.IsInfinity(TrafficMultiplier)) return $"traffic_multiplier must be 0 or more (got {TrafficMultiplier})";
        if (Seeds is < 1 or > MaxSeeds) return $"seeds must be 1 to {MaxSeeds} (got {Seeds})";
        return null;
    }
}
