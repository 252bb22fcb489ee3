namespace TokenSim.Twin.Abstractions.Events;

/// <summary>A request finished: the simulation drops it, and its observed E2E and TPOT close its record.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestFinished")]
public sealed record RequestFinished : RequestEvent
{
    public override string PayloadName => "request_finished";
    /// <summary>Output tokens produced in all.</summary>
    [Id(0)] public int OutputTokens { get; init; }
}
