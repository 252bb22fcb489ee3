namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One request's prediction, made when it arrived and never revised, and what production then observed. Seconds;
/// null where not (yet) observed, or where the prediction could not be made.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.RequestAccuracy")]
public sealed record RequestAccuracy
{
    [Id(0)] public required int Replica { get; init; }
    [Id(1)] public required string RequestId { get; init; }
    [Id(2)] public required int PromptTokens { get; init; }
    [Id(3)] public required int MaxTokens { get; init; }
    /// <summary>Seconds since the deployment's first event.</summary>
    [Id(4)] public required double ArrivalSeconds { get; init; }
    [Id(5)] public required int PredictedOutputTokens { get; init; }
    [Id(6)] public double? PredictedTtftSeconds { get; init; }
    [Id(7)] public double? PredictedTpotSeconds { get; init; }
    [Id(8)] public double? PredictedE2eSeconds { get; init; }
    [Id(9)] public int? ObservedOutputTokens { get; init; }
    [Id(10)] public double? ObservedTtftSeconds { get; init; }
    [Id(11)] public double? ObservedTpotSeconds { get; init; }
    [Id(12)] public double? ObservedE2eSeconds { get; init; }
    [Id(13)] public bool Aborted { get; init; }
    /// <summary>Engine-side phases from the request's span: first scheduled − queued, first token − scheduled, last − first token.</summary>
    [Id(14)] public double? ObservedQueueSeconds { get; init; }
    [Id(15)] public double? ObservedPrefillSeconds { get; init; }
    [Id(16)] public double? ObservedDecodeSeconds { get; init; }
    /// <summary>Whether the twin saw the request arrive (and so predicted it); false for one known only from its span.</summary>
    [Id(17)] public bool ArrivalObserved { get; init; } = true;
    /// <summary>Spans applied for the request (a request_observed event each): 1 once its span came.</summary>
    [Id(18)] public int Spans { get; init; }
    /// <summary>Prompt tokens the mirrored real prefix cache held at arrival (KV events), or null without a mirror or token ids.</summary>
    [Id(19)] public int? RealCachedPromptTokens { get; init; }
}
