using Grpc.Core;
using Grpc.Net.Client;
using TokenSim.Contracts.V1;
using TokenSim.Core.Metrics;
using TokenSim.Planning;

namespace TokenSim.Cli.Commands;

/// <summary>A plan run by a twin server: the config sent as a <c>Planning.Plan</c> request, its stream read back.</summary>
internal static class PlanRemote
{
    public static async Task<Planning.PlanResult> RunAsync(PlanConfig cfg, Uri server, string? apiKey, bool exhaustive, Action<Planning.PlanProgress> progress,
        CancellationToken cancellation)
    {
        var request = new PlanRequest { Exhaustive = exhaustive, Traffic = new Contracts.V1.Traffic { Growth = cfg.Growth } };
        foreach (var (k, v) in cfg.BaseOptions) request.Base[k] = v;
        if (cfg.Traffic.LiveDeployment is { } d) request.Traffic.Live = new LiveWindow { Deployment = d, WindowS = cfg.Traffic.LiveWindowSeconds };
        else
        {
            // Drawn here, as --offline draws it, and sent as arrivals: the server reads no file a client names, and
            // both ways plan against the very same requests.
            var traffic = cfg.DrawTraffic();
            var a = new Arrivals { Description = traffic.Description };
            a.ArrivalS.AddRange(traffic.Requests.Select(r => r.ArrivalTime));
            a.PromptTokens.AddRange(traffic.Requests.Select(r => r.PromptTokens));
            a.OutputTokens.AddRange(traffic.Requests.Select(r => r.OutputTokens));
            request.Traffic.Arrivals = a;
        }
        var slo = new Contracts.V1.Slo { Percentile = cfg.Slo.Percentile };
        if (cfg.Slo.TtftSeconds is { } t) slo.TtftS = t;
        if (cfg.Slo.TpotSeconds is { } p) slo.TpotS = p;
        if (cfg.Slo.Attainment is { } att) slo.Attainment = att;
        request.Slo = slo;
        var space = new Contracts.V1.CandidateSpace { MinReplicas = cfg.Candidates.MinReplicas, MaxReplicas = cfg.Candidates.MaxReplicas };
        space.Hardware.AddRange(cfg.Candidates.Hardware);
        space.TensorParallel.AddRange(cfg.Candidates.Tp);
        space.Scheduler.AddRange(cfg.Candidates.Scheduler);
        foreach (var (h, c) in cfg.Candidates.CostPerGpuHour) space.CostPerGpuHour[h] = c;
        request.Candidates = space;

        using var channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        var headers = new Metadata();
        if (apiKey is not null) headers.Add("x-api-key", apiKey);
        using var call = new Contracts.V1.Planning.PlanningClient(channel).Plan(request, headers, cancellationToken: cancellation);
        await foreach (var update in call.ResponseStream.ReadAllAsync(cancellation))
        {
            if (update.UpdateCase == PlanUpdate.UpdateOneofCase.Progress)
            {
                var pr = update.Progress;
                progress(new Planning.PlanProgress(pr.Simulated, pr.Considered, FromProto(pr.Last), pr.BestSoFar is null ? null : FromProto(pr.BestSoFar), pr.ElapsedS));
            }
            else if (update.UpdateCase == PlanUpdate.UpdateOneofCase.Result) return FromProto(update.Result, cfg.Slo);
        }
        throw new IOException("the server ended the plan's stream without a result.");
    }

    public static Planning.PlanResult FromProto(Contracts.V1.PlanResult r, Planning.Slo slo) => new()
    {
        Best = r.Best is null ? null : FromProto(r.Best), Closest = r.Closest is null ? null : FromProto(r.Closest),
        Frontier = [.. r.Frontier.Select(FromProto)], Simulated = [.. r.Simulated.Select(FromProto)],
        Considered = r.Considered, Infeasible = r.Infeasible, Warnings = [.. r.Warnings], Slo = slo,
        TrafficDescription = r.TrafficDescription, TrafficRequests = r.TrafficRequests, TrafficDurationSeconds = r.TrafficDurationS,
        WallSeconds = r.WallS, Exhaustive = r.Exhaustive, Pruned = r.Pruned,
    };

    public static CandidateResult FromProto(CandidateMetrics m) => new()
    {
        Candidate = new Candidate(m.Hardware, m.TensorParallel, m.Scheduler, m.Replicas), CostPerHour = m.CostPerHour, MeetsSlo = m.MeetsSlo,
        TtftAtPercentile = m.TtftS, TpotAtPercentile = m.TpotS, Attainment = m.Attainment, Ttft = FromProto(m.Ttft), Tpot = FromProto(m.Tpot),
        Requests = m.Requests, Rejected = m.Rejected, OutputTokensPerSecond = m.OutputTokensPerS, KvUsageMax = m.KvUsageMax,
        Preemptions = m.Preemptions, WallSeconds = m.WallS, Worker = m.Worker, Error = string.IsNullOrEmpty(m.Error) ? null : m.Error,
        StopReason = string.IsNullOrEmpty(m.StopReason) ? null : m.StopReason, StoppedAtSeconds = m.StoppedAtS,
    };

    private static Distribution FromProto(Latency? l) => l is null ? default : new(l.Mean, l.P50, l.P90, l.P99, l.Max, l.Count);
}
