using TokenSim.Contracts.V1;
using TokenSim.Twin.Abstractions;
using Events = TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Server.Grpc;

/// <summary>Converts between the public contract's messages and the twin's records.</summary>
internal static class ProtoMapper
{
    /// <summary>
    /// The event as the twin applies it, or why the contract's message cannot be one (no payload, a timestamp outside
    /// protobuf's range). A missing timestamp becomes NaN, which <see cref="TwinEventRules"/> refuses with the rest.
    /// </summary>
    public static (TwinEvent? Event, string? Problem) FromProto(Event e)
    {
        if (e.ProducedAt is { } at && ProductionTime.CheckProtobuf(at.Seconds, at.Nanos) is { } outside) return (null, outside);
        double t = e.ProducedAt is { } time ? time.Seconds + time.Nanos / 1e9 : double.NaN;
        string id = e.EventId;
        int replica = e.Replica;
        TwinEvent? twin = e.PayloadCase switch
        {
            Event.PayloadOneofCase.RequestArrived => new Events.RequestArrived
            {
                EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.RequestArrived.RequestId,
                PromptTokens = e.RequestArrived.PromptTokens, MaxTokens = e.RequestArrived.MaxTokens,
                PrefixBlockHashes = e.RequestArrived.PrefixBlockHashes.Count > 0 ? [.. e.RequestArrived.PrefixBlockHashes] : null,
                PromptTokenIds = e.RequestArrived.PromptTokenIds.Count > 0 ? [.. e.RequestArrived.PromptTokenIds] : null,
                FrontendArrival = e.RequestArrived.FrontendArrival,
            },
            Event.PayloadOneofCase.RequestScheduled => new Events.RequestScheduled { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.RequestScheduled.RequestId },
            Event.PayloadOneofCase.FirstToken => new Events.FirstTokenProduced { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.FirstToken.RequestId },
            Event.PayloadOneofCase.TokensProgress => new Events.TokensProduced { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.TokensProgress.RequestId, OutputTokens = e.TokensProgress.OutputTokens },
            Event.PayloadOneofCase.RequestFinished => new Events.RequestFinished { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.RequestFinished.RequestId, OutputTokens = e.RequestFinished.OutputTokens },
            Event.PayloadOneofCase.RequestAborted => new Events.RequestAborted { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.RequestAborted.RequestId },
            Event.PayloadOneofCase.RequestPreempted => new Events.RequestPreempted { EventId = id, Replica = replica, TimeSeconds = t, RequestId = e.RequestPreempted.RequestId },
            Event.PayloadOneofCase.EngineSnapshot => new Events.EngineSnapshotTaken
            {
                EventId = id, Replica = replica, TimeSeconds = t, Running = e.EngineSnapshot.Running, Waiting = e.EngineSnapshot.Waiting,
                KvCacheUsage = e.EngineSnapshot.HasKvCacheUsage ? e.EngineSnapshot.KvCacheUsage : null,
                KvBlocksTotal = e.EngineSnapshot.HasKvBlocksTotal ? e.EngineSnapshot.KvBlocksTotal : null,
            },
            _ => null,
        };
        return twin is null ? (null, "the event carries no payload (request_arrived, first_token, ...)") : (twin, null);
    }

    /// <summary>The <c>type</c> label of an event: its payload's field name.</summary>
    public static string TypeLabel(Event e) => e.PayloadCase switch
    {
        Event.PayloadOneofCase.RequestArrived => "request_arrived",
        Event.PayloadOneofCase.RequestScheduled => "request_scheduled",
        Event.PayloadOneofCase.FirstToken => "first_token",
        Event.PayloadOneofCase.TokensProgress => "tokens_progress",
        Event.PayloadOneofCase.RequestFinished => "request_finished",
        Event.PayloadOneofCase.RequestAborted => "request_aborted",
        Event.PayloadOneofCase.RequestPreempted => "request_preempted",
        Event.PayloadOneofCase.EngineSnapshot => "engine_snapshot",
        _ => "none",
    };

    public static Outcome ToProto(EventOutcomeKind kind) => kind switch
    {
        EventOutcomeKind.Applied => Outcome.Applied,
        EventOutcomeKind.Duplicate => Outcome.Duplicate,
        EventOutcomeKind.Late => Outcome.Late,
        _ => Outcome.Invalid,
    };

    public static TwinDeploymentSpec FromProto(DeploymentSpec s) => new()
    {
        Name = s.Name, Model = s.Model, Hardware = s.Hardware,
        TensorParallel = s.TensorParallel == 0 ? 1 : s.TensorParallel,
        Replicas = s.Replicas,
        MaxNumSeqs = s.Engine?.HasMaxNumSeqs == true ? s.Engine.MaxNumSeqs : null,
        MaxNumBatchedTokens = s.Engine?.HasMaxNumBatchedTokens == true ? s.Engine.MaxNumBatchedTokens : null,
        BlockSize = s.Engine?.HasBlockSize == true ? s.Engine.BlockSize : null,
        KvBlocks = s.Engine?.HasKvBlocks == true ? s.Engine.KvBlocks : null,
        MaxModelLen = s.Engine?.HasMaxModelLen == true ? s.Engine.MaxModelLen : null,
        EnablePrefixCaching = s.Engine?.HasEnablePrefixCaching == true ? s.Engine.EnablePrefixCaching : null,
        GpuMemoryUtilization = s.Engine?.HasGpuMemoryUtilization == true ? s.Engine.GpuMemoryUtilization : null,
        Scheduler = string.IsNullOrEmpty(s.Scheduler) ? "vllm-v1" : s.Scheduler,
        PerfModel = string.IsNullOrEmpty(s.PerfModel) ? "auto" : s.PerfModel,
    };

    public static DeploymentSpec ToProto(TwinDeploymentSpec s)
    {
        var engine = new EngineSettings();
        if (s.MaxNumSeqs is { } a) engine.MaxNumSeqs = a;
        if (s.MaxNumBatchedTokens is { } b) engine.MaxNumBatchedTokens = b;
        if (s.BlockSize is { } c) engine.BlockSize = c;
        if (s.KvBlocks is { } d) engine.KvBlocks = d;
        if (s.MaxModelLen is { } m) engine.MaxModelLen = m;
        if (s.EnablePrefixCaching is { } p) engine.EnablePrefixCaching = p;
        if (s.GpuMemoryUtilization is { } u) engine.GpuMemoryUtilization = u;
        return new DeploymentSpec
        {
            Name = s.Name, Model = s.Model, Hardware = s.Hardware, TensorParallel = s.TensorParallel, Replicas = s.Replicas,
            Engine = engine, Scheduler = s.Scheduler, PerfModel = s.PerfModel,
        };
    }

    public static DeploymentInfo ToProto(DeploymentSummary d) => new()
    {
        Spec = ToProto(d.Spec), ResolvedPerfModel = d.ResolvedPerfModel, KvBlocks = d.KvBlocks, EventsApplied = d.EventsApplied,
    };

    public static Contracts.V1.RequestAccuracy ToProto(Twin.Abstractions.RequestAccuracy r)
    {
        var p = new Contracts.V1.RequestAccuracy { Replica = r.Replica, RequestId = r.RequestId, PromptTokens = r.PromptTokens, PredictedOutputTokens = r.PredictedOutputTokens, ArrivalS = r.ArrivalSeconds };
        if (r.ObservedOutputTokens is { } n) p.ObservedOutputTokens = n;
        if (r.PredictedTtftSeconds is { } a) p.PredictedTtftS = a;
        if (r.PredictedTpotSeconds is { } b) p.PredictedTpotS = b;
        if (r.PredictedE2eSeconds is { } c) p.PredictedE2ES = c;
        if (r.ObservedTtftSeconds is { } d) p.ObservedTtftS = d;
        if (r.ObservedTpotSeconds is { } e) p.ObservedTpotS = e;
        if (r.ObservedE2eSeconds is { } f) p.ObservedE2ES = f;
        if (r.ObservedQueueSeconds is { } q) p.ObservedQueueS = q;
        if (r.ObservedPrefillSeconds is { } pf) p.ObservedPrefillS = pf;
        if (r.ObservedDecodeSeconds is { } dc) p.ObservedDecodeS = dc;
        p.ArrivalObserved = r.ArrivalObserved;
        p.Spans = r.Spans;
        return p;
    }

    public static ReplicaTracking ToProto(ReplicaStatus s) => new ReplicaTracking
    {
        Replica = s.Replica, Snapshots = s.Snapshots,
        ObservedRunningMean = s.ObservedRunningMean, SimulatedRunningMean = s.SimulatedRunningMean,
        ObservedWaitingMean = s.ObservedWaitingMean, SimulatedWaitingMean = s.SimulatedWaitingMean,
        KvSnapshots = s.KvSnapshots, SimulatedKvUsageMean = s.SimulatedKvUsageMean,
        StepCorrection = ToProto(s.StepCorrection),
    }.WithKv(s);

    /// <summary>The online step correction; a standard error the fit has not sized is left absent.</summary>
    public static StepCorrectionEstimate? ToProto(StepCorrectionReport? c)
    {
        if (c is null) return null;
        var p = new StepCorrectionEstimate { KernelScale = c.KernelScale, PrefillStepS = c.PrefillStepSeconds, Windows = c.Windows };
        if (double.IsFinite(c.KernelScaleStdErr)) p.KernelScaleStderr = c.KernelScaleStdErr;
        if (double.IsFinite(c.PrefillStepStdErr)) p.PrefillStepStderrS = c.PrefillStepStdErr;
        if (double.IsFinite(c.ResidualScale)) p.ResidualScale = c.ResidualScale;
        return p;
    }

    private static ReplicaTracking WithKv(this ReplicaTracking t, ReplicaStatus s)
    {
        if (s.ObservedKvUsageMean is { } o) t.ObservedKvUsageMean = o;
        if (s.SimulatedKvUsageMeanAtObserved is { } k) t.SimulatedKvUsageMeanAtObserved = k;
        return t;
    }

    public static Contracts.V1.AccuracyTotals ToProto(Twin.Abstractions.AccuracyTotals t) => new()
    {
        RequestsClosed = t.Closed, RecordsEvicted = t.Evicted, Ttft = ToProto(t.Ttft), Tpot = ToProto(t.Tpot), E2E = ToProto(t.E2e),
    };

    private static MetricAccuracy ToProto(MetricTotals m) => new()
    {
        Count = m.Observed.Count, Observed = Summary(m.Observed), Predicted = Summary(m.Predicted),
        AbsErrorMeanPct = m.AbsErrorPct.Mean, AbsErrorP50Pct = m.AbsErrorPct.Quantile(0.5), AbsErrorP90Pct = m.AbsErrorPct.Quantile(0.9),
    };

    private static DistributionSummary Summary(QuantileSketch s) => new() { Mean = s.Mean, P50 = s.Quantile(0.5), P90 = s.Quantile(0.9), P99 = s.Quantile(0.99) };
}
