namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A request a replica held when a forecast's scenario lost it (replica-lost, <c>requests: reroute</c>), carried from
/// that replica's fork of one seed to the survivor's fork of the same seed, where it re-enters the queue and prefills
/// again (<c>Simulator.SubmitRerouted</c>). Times are seconds from the forecast's start (each replica's clock), so the
/// arrival and token times are negative for what happened before it.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReroutedRequest")]
public sealed record ReroutedRequest
{
    /// <summary>When it reaches the survivor's queue: the loss.</summary>
    [Id(0)] public required double AtAhead { get; init; }
    [Id(1)] public required double ArrivalAhead { get; init; }
    [Id(2)] public required int PromptTokens { get; init; }
    /// <summary>Its output length as the lost replica's fork drew it.</summary>
    [Id(3)] public required int OutputTokens { get; init; }
    [Id(4)] public int Generated { get; init; }
    /// <summary>NaN when it had produced no token.</summary>
    [Id(5)] public double FirstTokenAhead { get; init; } = double.NaN;
    [Id(6)] public double LastTokenAhead { get; init; } = double.NaN;
    [Id(7)] public int[]? PrefixHashes { get; init; }
    [Id(8)] public int[]? TokenIds { get; init; }
    /// <summary>Of its prompt and generated tokens, those whose KV the replica held (a running request's; 0 for one
    /// waiting): placed on a replica of a deployment-wide fork, it resumes from them (<c>Simulator.Place</c>).</summary>
    [Id(9)] public int ResidentTokens { get; init; }
}
