namespace TokenSim.Twin.Abstractions.Events;

/// <summary>The engine first scheduled a request: checked and counted; the simulation schedules on its own.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestScheduled")]
public sealed record RequestScheduled : RequestEvent
{
    public override string PayloadName => "request_scheduled";
}
