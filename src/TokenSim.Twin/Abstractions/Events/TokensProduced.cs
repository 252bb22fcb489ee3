namespace TokenSim.Twin.Abstractions.Events;

/// <summary>A request's output so far: checked and counted.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.TokensProduced")]
public sealed record TokensProduced : RequestEvent
{
    public override string PayloadName => "tokens_progress";
    /// <summary>Output tokens produced so far.</summary>
    [Id(0)] public int OutputTokens { get; init; }
}
