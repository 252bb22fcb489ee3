namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>Where a replica is in its life under a scenario or an autoscaler. Only a serving replica is routed to.</summary>
public enum ReplicaPhase : byte
{
    Serving,
    /// <summary>Provisioned and loading (weights, graph capture): paid for, not yet routed to.</summary>
    Starting,
    /// <summary>Scaled down: not routed to, paid for until its last request finishes.</summary>
    Draining,
    /// <summary>Not provisioned (a slot the autoscaler or a replica-added event may fill).</summary>
    Off,
    /// <summary>Failed (replica-lost): never routed to again, not paid for.</summary>
    Lost,
}
