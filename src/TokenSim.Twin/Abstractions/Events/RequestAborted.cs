namespace TokenSim.Twin.Abstractions.Events;

/// <summary>A request was aborted (a client went away): the simulation drops it.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestAborted")]
public sealed record RequestAborted : RequestEvent
{
    public override string PayloadName => "request_aborted";
}
