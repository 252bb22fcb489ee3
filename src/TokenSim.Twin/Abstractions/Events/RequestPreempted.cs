namespace TokenSim.Twin.Abstractions.Events;

/// <summary>The engine preempted a request: checked and counted; the simulation preempts on its own.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestPreempted")]
public sealed record RequestPreempted : RequestEvent
{
    public override string PayloadName => "request_preempted";
}
