namespace TokenSim.Twin.Abstractions;

/// <summary>What became of one event.</summary>
public enum EventOutcomeKind
{
    /// <summary>Applied to the replica's state and simulation.</summary>
    Applied,
    /// <summary>An event with the same id was already applied: ignored.</summary>
    Duplicate,
    /// <summary>Older than the lateness bound behind the replica's clock: counted, not applied.</summary>
    Late,
    /// <summary>Malformed or inconsistent: not applied; <see cref="EventOutcome.Reason"/> says why.</summary>
    Invalid,
}
