namespace TokenSim.Twin.Abstractions.Events;

/// <summary>A request reached the engine, or a frontend before it (<see cref="FrontendArrival"/>).</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.RequestArrived")]
public sealed record RequestArrived : RequestEvent
{
    public override string PayloadName => "request_arrived";
    [Id(0)] public int PromptTokens { get; init; }
    [Id(1)] public int MaxTokens { get; init; }
    /// <summary>The prompt's KV block hashes, for the simulated prefix cache; null when not sent.</summary>
    [Id(2)] public long[]? PrefixBlockHashes { get; init; }
    /// <summary>The prompt's token ids, for the mirrored real prefix cache; null when not sent.</summary>
    [Id(3)] public int[]? PromptTokenIds { get; init; }
    /// <summary>
    /// The time is when a frontend received the request (a gateway, vLLM's API server), not the engine's queued
    /// time, so predicted TTFT and E2E run from it and include the wait for the step in flight.
    /// </summary>
    [Id(4)] public bool FrontendArrival { get; init; }
}
