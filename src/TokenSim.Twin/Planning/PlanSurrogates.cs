using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

// The planner's types are plain .NET (the CLI plans in-process without Orleans); these surrogates carry them between
// silos unchanged.

[GenerateSerializer, Immutable, Alias("TokenSim.Twin.CandidateSurrogate")]
public readonly record struct CandidateSurrogate([property: Id(0)] string Hardware, [property: Id(1)] int Tp, [property: Id(2)] string Scheduler, [property: Id(3)] int Replicas);

[RegisterConverter]
public sealed class CandidateConverter : IConverter<Candidate, CandidateSurrogate>
{
    public Candidate ConvertFromSurrogate(in CandidateSurrogate s) => new(s.Hardware, s.Tp, s.Scheduler, s.Replicas);
    public CandidateSurrogate ConvertToSurrogate(in Candidate c) => new(c.Hardware, c.Tp, c.Scheduler, c.Replicas);
}

[GenerateSerializer, Immutable, Alias("TokenSim.Twin.SloSurrogate")]
public readonly record struct SloSurrogate([property: Id(0)] double? Ttft, [property: Id(1)] double? Tpot, [property: Id(2)] double Percentile, [property: Id(3)] double? Attainment);

[RegisterConverter]
public sealed class SloConverter : IConverter<Slo, SloSurrogate>
{
    public Slo ConvertFromSurrogate(in SloSurrogate s) => new() { TtftSeconds = s.Ttft, TpotSeconds = s.Tpot, Percentile = s.Percentile, Attainment = s.Attainment };
    public SloSurrogate ConvertToSurrogate(in Slo v) => new(v.TtftSeconds, v.TpotSeconds, v.Percentile, v.Attainment);
}

[GenerateSerializer, Immutable, Alias("TokenSim.Twin.DistributionSurrogate")]
public readonly record struct DistributionSurrogate([property: Id(0)] double Mean, [property: Id(1)] double P50, [property: Id(2)] double P90,
    [property: Id(3)] double P99, [property: Id(4)] double Max, [property: Id(5)] long Count);

[RegisterConverter]
public sealed class DistributionConverter : IConverter<Distribution, DistributionSurrogate>
{
    public Distribution ConvertFromSurrogate(in DistributionSurrogate s) => new(s.Mean, s.P50, s.P90, s.P99, s.Max, s.Count);
    public DistributionSurrogate ConvertToSurrogate(in Distribution d) => new(d.Mean, d.P50, d.P90, d.P99, d.Max, d.Count);
}

/// <summary>Arrivals as parallel arrays: 12,000 requests are about 200 KB on the wire.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.TrafficSurrogate")]
public readonly record struct TrafficSurrogate([property: Id(0)] double[] Times, [property: Id(1)] int[] Prompts, [property: Id(2)] int[] Outputs, [property: Id(3)] string Description);

[RegisterConverter]
public sealed class TrafficConverter : IConverter<Traffic, TrafficSurrogate>
{
    public Traffic ConvertFromSurrogate(in TrafficSurrogate s)
    {
        var requests = new RequestSpec[s.Times.Length];
        for (int i = 0; i < requests.Length; i++) requests[i] = new RequestSpec(s.Times[i], s.Prompts[i], s.Outputs[i]);
        return new Traffic(requests, s.Description);
    }

    public TrafficSurrogate ConvertToSurrogate(in Traffic t) =>
        new([.. t.Requests.Select(r => r.ArrivalTime)], [.. t.Requests.Select(r => r.PromptTokens)], [.. t.Requests.Select(r => r.OutputTokens)], t.Description);
}

[GenerateSerializer, Immutable, Alias("TokenSim.Twin.CandidateResultSurrogate")]
public struct CandidateResultSurrogate
{
    [Id(0)] public Candidate Candidate;
    [Id(1)] public double CostPerHour;
    [Id(2)] public bool MeetsSlo;
    [Id(3)] public double TtftAtPercentile;
    [Id(4)] public double TpotAtPercentile;
    [Id(5)] public double Attainment;
    [Id(6)] public Distribution Ttft;
    [Id(7)] public Distribution Tpot;
    [Id(8)] public long Requests;
    [Id(9)] public long Rejected;
    [Id(10)] public double OutputTokensPerSecond;
    [Id(11)] public double KvUsageMax;
    [Id(12)] public long Preemptions;
    [Id(13)] public double WallSeconds;
    [Id(14)] public string Worker;
    [Id(15)] public string? Error;
    [Id(16)] public string? StopReason;
    [Id(17)] public double StoppedAtSeconds;
}

[RegisterConverter]
public sealed class CandidateResultConverter : IConverter<CandidateResult, CandidateResultSurrogate>
{
    public CandidateResult ConvertFromSurrogate(in CandidateResultSurrogate s) => new()
    {
        Candidate = s.Candidate, CostPerHour = s.CostPerHour, MeetsSlo = s.MeetsSlo, TtftAtPercentile = s.TtftAtPercentile,
        TpotAtPercentile = s.TpotAtPercentile, Attainment = s.Attainment, Ttft = s.Ttft, Tpot = s.Tpot, Requests = s.Requests,
        Rejected = s.Rejected, OutputTokensPerSecond = s.OutputTokensPerSecond, KvUsageMax = s.KvUsageMax, Preemptions = s.Preemptions,
        WallSeconds = s.WallSeconds, Worker = s.Worker, Error = s.Error, StopReason = s.StopReason, StoppedAtSeconds = s.StoppedAtSeconds,
    };

    public CandidateResultSurrogate ConvertToSurrogate(in CandidateResult r) => new()
    {
        Candidate = r.Candidate, CostPerHour = r.CostPerHour, MeetsSlo = r.MeetsSlo, TtftAtPercentile = r.TtftAtPercentile,
        TpotAtPercentile = r.TpotAtPercentile, Attainment = r.Attainment, Ttft = r.Ttft, Tpot = r.Tpot, Requests = r.Requests,
        Rejected = r.Rejected, OutputTokensPerSecond = r.OutputTokensPerSecond, KvUsageMax = r.KvUsageMax, Preemptions = r.Preemptions,
        WallSeconds = r.WallSeconds, Worker = r.Worker, Error = r.Error, StopReason = r.StopReason, StoppedAtSeconds = r.StoppedAtSeconds,
    };
}
