namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>What a scenario event does (its <c>event:</c> name in the YAML timeline, docs/scenarios.md).</summary>
public enum ScenarioEventKind
{
    /// <summary><c>replica-lost</c>: the replica stops; its requests re-enter the survivors' queues (or fail).</summary>
    ReplicaLost,
    /// <summary><c>replica-added</c>: a new replica starts, and takes requests after its start-up delay.</summary>
    ReplicaAdded,
    /// <summary><c>straggler</c>: one replica's steps take <c>factor</c> times as long, until <c>until</c>.</summary>
    Straggler,
    /// <summary><c>kv-loss</c>: a fraction of one replica's KV blocks becomes unusable, until <c>until</c>.</summary>
    KvLoss,
    /// <summary><c>slow-link</c>: one replica's GPU links (NVLink, network, PCIe) run at 1/<c>factor</c> of their bandwidth, until <c>until</c>.</summary>
    SlowLink,
    /// <summary><c>rate</c>: the arrival rate is multiplied by <c>multiplier</c>, until <c>until</c> (a spike when it ends).</summary>
    Rate,
    /// <summary><c>lengths</c>: prompt and output lengths of later arrivals are scaled, until <c>until</c>.</summary>
    Lengths,
    /// <summary><c>router</c>: requests are routed by another router from then on.</summary>
    Router,
}
