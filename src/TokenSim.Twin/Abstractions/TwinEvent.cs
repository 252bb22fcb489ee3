namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One production event as the twin applies it. <see cref="TimeSeconds"/> is the production timestamp: Unix seconds
/// when it reaches the deployment grain, seconds since the deployment's first event once handed to a replica.
/// Fields that the <see cref="Kind"/> does not use are zero or null.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.TwinEvent")]
public sealed record TwinEvent
{
    [Id(0)] public required string EventId { get; init; }
    [Id(1)] public required int Replica { get; init; }
    [Id(2)] public required double TimeSeconds { get; init; }
    [Id(3)] public required TwinEventKind Kind { get; init; }
    /// <summary>The production request id; null for engine snapshots.</summary>
    [Id(4)] public string? RequestId { get; init; }
    [Id(5)] public int PromptTokens { get; init; }
    [Id(6)] public int MaxTokens { get; init; }
    /// <summary>Output tokens produced so far (progress) or in all (finished).</summary>
    [Id(7)] public int OutputTokens { get; init; }
    [Id(8)] public long[]? PrefixBlockHashes { get; init; }
    [Id(9)] public int Running { get; init; }
    [Id(10)] public int Waiting { get; init; }
    /// <summary>KV cache use as a fraction in [0, 1]; null when the engine did not report it.</summary>
    [Id(11)] public double? KvCacheUsage { get; init; }
    [Id(12)] public int? KvBlocksTotal { get; init; }
    /// <summary>Request observed: arrival to first token, seconds (vLLM's frontend clock).</summary>
    [Id(13)] public double? TtftSeconds { get; init; }
    /// <summary>Request observed: arrival to finish, seconds; the arrival is <see cref="TimeSeconds"/> minus this.</summary>
    [Id(14)] public double? E2eSeconds { get; init; }
    /// <summary>Request observed: first scheduled minus queued, seconds (engine clock).</summary>
    [Id(15)] public double? QueueSeconds { get; init; }
    /// <summary>Request observed: first token minus first scheduled, seconds (engine clock).</summary>
    [Id(16)] public double? PrefillSeconds { get; init; }
    /// <summary>Request observed: last token minus first token, seconds (engine clock).</summary>
    [Id(17)] public double? DecodeSeconds { get; init; }
    /// <summary>The prompt's token ids (arrivals), for the mirrored real prefix cache; null when not sent.</summary>
    [Id(18)] public int[]? PromptTokenIds { get; init; }
    /// <summary>
    /// Arrivals: the time is when a frontend received the request (a gateway, vLLM's API server), not the engine's
    /// queued time, so predicted TTFT and E2E run from it and include the wait for the step in flight.
    /// </summary>
    [Id(19)] public bool FrontendArrival { get; init; }
}
