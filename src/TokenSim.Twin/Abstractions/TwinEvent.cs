namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One production event as the twin applies it: one past-tense record per kind (namespace <c>Events</c>).
/// <see cref="TimeSeconds"/> is the production timestamp in Unix seconds all the way (NaN when the contract's
/// <c>produced_at</c> was missing); a replica's simulation runs on seconds since its deployment's first event and
/// subtracts that origin itself. <see cref="TwinEventRules"/> says what a valid one holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.TwinEvent")]
public abstract record TwinEvent
{
    [Id(0)] public required string EventId { get; init; }
    [Id(1)] public required int Replica { get; init; }
    [Id(2)] public required double TimeSeconds { get; init; }

    /// <summary>The contract's name for the event's payload (<c>request_arrived</c>, ...): metrics labels and messages use it.</summary>
    public abstract string PayloadName { get; }
}
