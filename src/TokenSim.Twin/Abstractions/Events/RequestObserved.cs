namespace TokenSim.Twin.Abstractions.Events;

/// <summary>
/// A finished request's whole outcome at once (a vLLM <c>llm_request</c> span), at its finish time: closes a known
/// request, and records one the twin never saw arrive.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestObserved")]
public sealed record RequestObserved : RequestEvent
{
    public override string PayloadName => "request_observed";
    [Id(0)] public int PromptTokens { get; init; }
    [Id(1)] public int MaxTokens { get; init; }
    [Id(2)] public int OutputTokens { get; init; }
    /// <summary>Arrival to first token, seconds (vLLM's frontend clock).</summary>
    [Id(3)] public double? TtftSeconds { get; init; }
    /// <summary>Arrival to finish, seconds; the arrival is <see cref="TwinEvent.TimeSeconds"/> minus this.</summary>
    [Id(4)] public double? E2eSeconds { get; init; }
    /// <summary>First scheduled minus queued, seconds (engine clock).</summary>
    [Id(5)] public double? QueueSeconds { get; init; }
    /// <summary>First token minus first scheduled, seconds (engine clock).</summary>
    [Id(6)] public double? PrefillSeconds { get; init; }
    /// <summary>Last token minus first token, seconds (engine clock).</summary>
    [Id(7)] public double? DecodeSeconds { get; init; }
}
