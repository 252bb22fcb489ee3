namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// One event of a scenario's timeline. Times are seconds from the moment the scenario is attached (the start of an
/// offline run, or "now" in a fork of the live state); <see cref="Until"/> ends an event that lasts (+∞: it stays).
/// Fields an event kind does not use keep their defaults.
/// </summary>
public sealed record ScenarioEvent(ScenarioEventKind Kind, double At)
{
    public double Until { get; init; } = double.PositiveInfinity;
    /// <summary>The replica it concerns (replica-lost, straggler, kv-loss, slow-link).</summary>
    public int Replica { get; init; } = -1;
    /// <summary>Slow-down factor (straggler, slow-link) or rate multiplier (rate).</summary>
    public double Factor { get; init; } = 1;
    /// <summary>Share of the replica's KV blocks lost (kv-loss).</summary>
    public double Fraction { get; init; }
    /// <summary>replica-lost: the lost replica's requests fail (are aborted) instead of being routed again.</summary>
    public bool FailRequests { get; init; }
    /// <summary>replica-added: the start-up delay in seconds; null computes it (<see cref="StartupDelay"/>).</summary>
    public double? StartupSeconds { get; init; }
    /// <summary>replica-added: into the decode pool of a disaggregated deployment (<c>pool: decode</c>) rather than the prefill (entry) pool.</summary>
    public bool Decode { get; init; }
    public double PromptScale { get; init; } = 1;
    public double OutputScale { get; init; } = 1;
    /// <summary>router: the new router's name.</summary>
    public string? Router { get; init; }
    /// <summary>The line of the scenario file it was read from (0 when built in code), for errors found later.</summary>
    public int Line { get; init; }
}
