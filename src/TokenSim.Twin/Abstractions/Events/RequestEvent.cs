namespace TokenSim.Twin.Abstractions.Events;

/// <summary>An event of one production request, named by the request id production gave it.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestEvent")]
public abstract record RequestEvent : TwinEvent
{
    [Id(0)] public required string RequestId { get; init; }
}
