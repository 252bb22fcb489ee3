namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A what-if: a timeline of faults and changes, and optionally an autoscaling policy, applied to a simulation from
/// the moment it is attached (<see cref="Simulator.AttachScenario"/>). Read from YAML by <see cref="ScenarioReader"/>.
/// </summary>
public sealed record Scenario(IReadOnlyList<ScenarioEvent> Events, AutoscalePolicy? Autoscale = null, string Source = "scenario")
{
    /// <summary>Replica slots a deployment of <paramref name="replicas"/> needs beyond its own for this scenario: one per replica-added event, and the autoscaler's maximum.</summary>
    public int ExtraReplicas(int replicas)
    {
        int added = Events.Count(e => e.Kind == ScenarioEventKind.ReplicaAdded);
        return Math.Max(added, Autoscale is { } a ? a.MaxReplicas - replicas : 0);
    }

    /// <summary>Whether it changes the traffic (rate or lengths), which wraps the workload.</summary>
    public bool ChangesTraffic => Events.Any(e => e.Kind is ScenarioEventKind.Rate or ScenarioEventKind.Lengths);
}
