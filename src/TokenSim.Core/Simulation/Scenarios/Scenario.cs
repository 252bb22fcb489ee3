namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A what-if: a timeline of faults and changes, and optionally an autoscaling policy, applied to a simulation from
/// the moment it is attached (<see cref="Simulator.AttachScenario"/>). Read from YAML by <see cref="ScenarioReader"/>.
/// </summary>
public sealed record Scenario(IReadOnlyList<ScenarioEvent> Events, AutoscalePolicy? Autoscale = null, string Source = "scenario")
{
    /// <summary>Replica slots a deployment of <paramref name="replicas"/> (its prefill pool's, when disaggregated) needs beyond its own for this scenario: one per replica-added event, and the autoscaler's maximum.</summary>
    public int ExtraReplicas(int replicas) => Extra(replicas, decode: false);

    /// <summary>As <see cref="ExtraReplicas"/>, the decode pool's slots beyond its <paramref name="decodeReplicas"/> (<c>pool: decode</c>).</summary>
    public int ExtraDecodeReplicas(int decodeReplicas) => Extra(decodeReplicas, decode: true);

    private int Extra(int replicas, bool decode)
    {
        int added = Events.Count(e => e.Kind == ScenarioEventKind.ReplicaAdded && e.Decode == decode);
        return Math.Max(added, Autoscale is { } a && a.Decode == decode ? a.MaxReplicas - replicas : 0);
    }

    /// <summary>Whether it changes the traffic (rate or lengths), which wraps the workload.</summary>
    public bool ChangesTraffic => Events.Any(e => e.Kind is ScenarioEventKind.Rate or ScenarioEventKind.Lengths);
}
