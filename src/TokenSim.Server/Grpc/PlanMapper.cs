using TokenSim.Contracts.V1;
using TokenSim.Core.Simulation;
using TokenSim.Planning;
using Traffic = TokenSim.Planning.Traffic;
using Slo = TokenSim.Planning.Slo;
using PlanResult = TokenSim.Planning.PlanResult;
using PlanProgress = TokenSim.Planning.PlanProgress;
using CandidateSpace = TokenSim.Planning.CandidateSpace;

namespace TokenSim.Server.Grpc;

/// <summary>Planning requests and answers between their protos and the planner's types; errors name the field.</summary>
internal static class PlanMapper
{
    public static List<KeyValuePair<string, string>> Options(IEnumerable<KeyValuePair<string, string>> options, string field)
    {
        var list = options.OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
        foreach (var (k, v) in list) RemoteOptions.Check(k, v, $"{field}.{k}");
        return list;
    }

    public static Slo FromProto(Contracts.V1.Slo? s)
    {
        if (s is null) throw new ArgumentException("slo is missing: give ttft_s and/or tpot_s, at a percentile or an attainment.");
        return new Slo
        {
            TtftSeconds = s.HasTtftS ? s.TtftS : null, TpotSeconds = s.HasTpotS ? s.TpotS : null,
            Percentile = s.HasPercentile ? s.Percentile : 0.99, Attainment = s.HasAttainment ? s.Attainment : null,
        };
    }

    public static CandidateSpace FromProto(Contracts.V1.CandidateSpace? c)
    {
        if (c is null) throw new ArgumentException("candidates is missing: give hardware, tensor_parallel, max_replicas and cost_per_gpu_hour.");
        return new CandidateSpace
        {
            Hardware = [.. c.Hardware], Tp = c.TensorParallel.Count == 0 ? [1] : [.. c.TensorParallel],
            Scheduler = c.Scheduler.Count == 0 ? ["vllm-v1"] : [.. c.Scheduler],
            MinReplicas = c.MinReplicas == 0 ? 1 : c.MinReplicas, MaxReplicas = c.MaxReplicas,
            CostPerGpuHour = new Dictionary<string, double>(c.CostPerGpuHour, StringComparer.OrdinalIgnoreCase),
        };
    }

    public static Traffic FromProto(Arrivals a, string field)
    {
        if (a.ArrivalS.Count != a.PromptTokens.Count || a.ArrivalS.Count != a.OutputTokens.Count)
            throw new ArgumentException($"{field}: arrival_s, prompt_tokens and output_tokens must have one entry per request (got {a.ArrivalS.Count}, {a.PromptTokens.Count}, {a.OutputTokens.Count}).");
        if (a.ArrivalS.Count == 0) throw new ArgumentException($"{field} has no requests.");
        var requests = a.ArrivalS.Select((t, i) => new RequestSpec(t, a.PromptTokens[i], a.OutputTokens[i]));
        return Traffic.FromArrivals(requests, string.IsNullOrEmpty(a.Description) ? "given arrivals" : a.Description);
    }

    public static CandidateMetrics ToProto(CandidateResult r) => new()
    {
        Hardware = r.Candidate.Hardware, TensorParallel = r.Candidate.Tp, Scheduler = r.Candidate.Scheduler, Replicas = r.Candidate.Replicas,
        Gpus = r.Candidate.Gpus, CostPerHour = r.CostPerHour, MeetsSlo = r.MeetsSlo, TtftS = r.TtftAtPercentile, TpotS = r.TpotAtPercentile,
        Attainment = r.Attainment, Ttft = ToProto(r.Ttft), Tpot = ToProto(r.Tpot),
        Requests = r.Requests, Rejected = r.Rejected, OutputTokensPerS = r.OutputTokensPerSecond, KvUsageMax = r.KvUsageMax,
        Preemptions = r.Preemptions, WallS = r.WallSeconds, Worker = r.Worker, Error = r.Error ?? "",
        StopReason = r.StopReason ?? "", StoppedAtS = r.StoppedAtSeconds,
    };

    private static Latency ToProto(Core.Metrics.Distribution d) => new() { Mean = d.Mean, P50 = d.P50, P90 = d.P90, P99 = d.P99, Max = d.Max, Count = d.Count };

    public static Contracts.V1.PlanProgress ToProto(PlanProgress p)
    {
        var proto = new Contracts.V1.PlanProgress { Simulated = p.Simulated, Considered = p.Considered, Last = ToProto(p.Last), ElapsedS = p.ElapsedSeconds };
        if (p.BestSoFar is { } b) proto.BestSoFar = ToProto(b);
        return proto;
    }

    public static Contracts.V1.PlanResult ToProto(PlanResult r)
    {
        var proto = new Contracts.V1.PlanResult
        {
            Found = r.Best is not null, Considered = r.Considered, SimulatedCount = r.SimulatedCount, Infeasible = r.Infeasible,
            TrafficDescription = r.TrafficDescription, TrafficRequests = r.TrafficRequests, TrafficDurationS = r.TrafficDurationSeconds,
            WallS = r.WallSeconds, SloDescription = r.Slo.Describe(), Exhaustive = r.Exhaustive, Pruned = r.Pruned,
        };
        if (r.Best is { } b) proto.Best = ToProto(b);
        if (r.Closest is { } c) proto.Closest = ToProto(c);
        proto.Frontier.AddRange(r.Frontier.Select(ToProto));
        proto.Simulated.AddRange(r.Simulated.Select(ToProto));
        proto.Warnings.AddRange(r.Warnings);
        return proto;
    }
}
