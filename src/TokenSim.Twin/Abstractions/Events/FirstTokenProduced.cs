namespace TokenSim.Twin.Abstractions.Events;

/// <summary>A request's first output token: its observed TTFT runs from its arrival to this.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.FirstTokenProduced")]
public sealed record FirstTokenProduced : RequestEvent
{
    public override string PayloadName => "first_token";
}
