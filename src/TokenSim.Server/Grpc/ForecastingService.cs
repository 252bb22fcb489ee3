using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Grpc;

/// <summary>Forecasts a mirrored deployment from its live state, and reports how the twin's scored forecasts did.</summary>
public sealed class ForecastingService(IGrainFactory grains, TimeProvider time) : Forecasting.ForecastingBase
{
    public const int DefaultSeeds = 8;

    public override async Task<ForecastReply> Forecast(ForecastRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Deployment)) RpcErrors.ThrowInvalidArgument("deployment is missing");
        var spec = SpecOf(request);
        if (spec.Problem() is { } problem) RpcErrors.ThrowInvalidArgument(problem);
        long started = time.GetTimestamp();
        DeploymentForecast? forecast;
        try
        {
            forecast = await grains.GetGrain<IDeploymentForecastGrain>(request.Deployment).ForecastAsync(spec, request.ReplicaDelta);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        if (forecast is null) RpcErrors.ThrowNotFound(request.Deployment);
        return ToProto(forecast, time.GetElapsedTime(started).TotalSeconds);
    }

    public override async Task<ForecastScores> GetForecastScores(GetForecastScoresRequest request, ServerCallContext context)
    {
        var report = string.IsNullOrEmpty(request.Deployment) ? null : await grains.GetGrain<IDeploymentForecastGrain>(request.Deployment).GetForecastScoresAsync();
        if (report is null) RpcErrors.ThrowNotFound(request.Deployment);
        var reply = new ForecastScores { Deployment = request.Deployment, Issued = report.Issued, Skipped = report.Skipped };
        reply.Scores.AddRange(report.Scores.Select(s => new Contracts.V1.ForecastScore
        {
            Metric = s.Metric, HorizonS = s.HorizonSeconds, Points = s.Points, Mae = s.Points == 0 ? 0 : s.Mae, NaiveMae = s.Points == 0 ? 0 : s.NaiveMae, Bias = s.Points == 0 ? 0 : s.Bias,
            Coverage80 = s.Points == 0 ? 0 : s.Coverage80, PinballLoss = s.Points == 0 ? 0 : s.PinballLoss,
        }));
        return reply;
    }

    /// <summary>The request with its defaults filled in; checked by <see cref="ForecastSpec.Problem"/>.</summary>
    public static ForecastSpec SpecOf(ForecastRequest r) => new()
    {
        HorizonSeconds = r.HorizonS,
        StepSeconds = r.HasStepS ? r.StepS : r.HorizonS > 0 ? Math.Min(1, r.HorizonS) : 1,
        TrafficMultiplier = r.HasTrafficMultiplier ? r.TrafficMultiplier : 1,
        Seeds = r.HasSeeds ? r.Seeds : DefaultSeeds,
        Scenario = string.IsNullOrWhiteSpace(r.Scenario) ? null : r.Scenario,
    };

    public static ForecastReply ToProto(DeploymentForecast f, double wallSeconds)
    {
        var reply = new ForecastReply
        {
            Deployment = f.Deployment, HorizonS = f.Spec.HorizonSeconds, StepS = f.Spec.StepSeconds, TrafficMultiplier = f.Spec.TrafficMultiplier,
            ReplicaDelta = f.ReplicaDelta, Seeds = f.Spec.Seeds, SimulatedSteps = f.Replicas.Sum(r => r.SimulatedSteps), WallS = wallSeconds,
        };
        reply.StepTotals.AddRange(ForecastSummary.Of(f.Replicas, f.Spec.StepSeconds).Select(ToProto));
        if (f.ServingReplicas is { } serving && f.ProvisionedReplicas is { } provisioned)
        {
            // Replica counts per seed: their spread over the seeds, as for any quantity (no widening: nothing scores them).
            for (int k = 0; k < reply.StepTotals.Count; k++)
            {
                reply.StepTotals[k].ServingReplicas = ToProto(ForecastSummary.Spread(serving.Select(s => (double)s[k]).ToArray()));
                reply.StepTotals[k].ProvisionedReplicas = ToProto(ForecastSummary.Spread(provisioned.Select(s => (double)s[k]).ToArray()));
            }
        }
        if (f.GpuHours is { } gpuHours) reply.GpuHours = ToProto(ForecastSummary.Spread(gpuHours));
        if (f.WithoutScenario is { } without) reply.WithoutScenario = ToProto(without, wallSeconds);
        foreach (var r in f.Replicas)
        {
            var (probability, median) = ForecastSummary.KvExhaustion(r);
            var t = r.Traffic;
            var replica = new ReplicaForecastReply
            {
                Replica = r.Replica, Added = r.Added, ClockS = r.ClockSeconds, KvExhaustedProbability = probability, Calibration = r.Calibration,
                Traffic = new LearnedTraffic
                {
                    RatePerS = t.RatePerSecond, TrendPerS2 = t.TrendPerSecond2, InterArrivalCv = t.InterArrivalCv, ElapsedS = t.ElapsedSeconds,
                    MeanPromptTokens = t.PromptTokens.Length == 0 ? 0 : t.PromptTokens.Average(), MeanMaxTokens = t.MaxTokens.Length == 0 ? 0 : t.MaxTokens.Average(),
                },
            };
            if (median is { } m) replica.KvExhaustedInS = m;
            var exhausted = ForecastSummary.KvExhaustionQuantiles(r);
            if (exhausted.P10 is { } e10) replica.KvExhaustedP10S = e10;
            if (exhausted.P50 is { } e50) replica.KvExhaustedP50S = e50;
            if (exhausted.P90 is { } e90) replica.KvExhaustedP90S = e90;
            if (exhausted.P99 is { } e99) replica.KvExhaustedP99S = e99;
            if (ProtoMapper.ToProto(r.StepCorrection) is { } correction) replica.StepCorrection = correction;
            replica.Steps.AddRange(ForecastSummary.Of(r).Select(ToProto));
            reply.Replicas.Add(replica);
        }
        return reply;
    }

    private static ForecastStep ToProto(ForecastStepSummary s) => new()
    {
        AheadS = s.AheadSeconds, Running = ToProto(s.Running), Waiting = ToProto(s.Waiting), KvUsage = ToProto(s.KvUsage),
        Ttft = ToProto(s.Ttft), Tpot = ToProto(s.Tpot),
    };

    private static Spread ToProto(SeedSpread s) => new() { Expected = s.Expected, P10 = s.P10, P50 = s.P50, P90 = s.P90, P99 = s.P99 };

    private static LatencyPercentiles ToProto(LatencySpread l)
    {
        var p = new LatencyPercentiles { Requests = l.Requests };
        if (l.P10 is { } p10) p.P10S = p10;
        if (l.P50 is { } p50) p.P50S = p50;
        if (l.P90 is { } p90) p.P90S = p90;
        if (l.P99 is { } p99) p.P99S = p99;
        return p;
    }
}
