using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>A prediction as a replica's log keeps it: frozen at arrival, so a restored replica need not recompute it.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.LoggedPrediction")]
public sealed record LoggedPrediction(
    [property: Id(0)] string RequestId,
    [property: Id(1)] int OutputTokens,
    [property: Id(2)] double? TtftSeconds,
    [property: Id(3)] double? TpotSeconds,
    [property: Id(4)] double? E2eSeconds)
{
    public static LoggedPrediction Of(RequestAccuracy r) => new(r.RequestId, r.PredictedOutputTokens, r.PredictedTtftSeconds, r.PredictedTpotSeconds, r.PredictedE2eSeconds);
}
