namespace TokenSim.Twin.Abstractions;

/// <summary>The outcome of one event; <see cref="Reason"/> is empty unless it is invalid or late.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.EventOutcome")]
public sealed record EventOutcome(
    [property: Id(0)] EventOutcomeKind Kind,
    [property: Id(1)] string Reason)
{
    public static readonly EventOutcome Applied = new(EventOutcomeKind.Applied, "");
    public static readonly EventOutcome Duplicate = new(EventOutcomeKind.Duplicate, "");
    public static EventOutcome Invalid(string reason) => new(EventOutcomeKind.Invalid, reason);
    public static EventOutcome Late(string reason) => new(EventOutcomeKind.Late, reason);
}
