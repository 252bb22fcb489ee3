using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

/// <summary>One simulation of a plan: the shared options, the candidate, its price, the traffic and the SLOs.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.PlanJob")]
public sealed record PlanJob(
    [property: Id(0)] string[] OptionNames,
    [property: Id(1)] string[] OptionValues,
    [property: Id(2)] Candidate Candidate,
    [property: Id(3)] double CostPerHour,
    [property: Id(4)] Traffic Traffic,
    [property: Id(5)] Slo Slo,
    // Stop once the candidate is certain to miss (CandidateEvaluator.Evaluate).
    [property: Id(6)] bool StopAtVerdict)
{
    public IReadOnlyList<KeyValuePair<string, string>> BaseOptions => [.. OptionNames.Zip(OptionValues, (k, v) => new KeyValuePair<string, string>(k, v))];
}
