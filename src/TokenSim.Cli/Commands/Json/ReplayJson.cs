using System.Text.Json.Serialization;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Commands.Json;

/// <summary>
/// The <c>replay --json</c> document, in the shape of <c>validate vllm-bench --json</c>: <c>measured</c> is what
/// production observed, <c>simulated</c> the twin's prediction frozen at arrival. <c>records_evicted</c> appears only
/// when the twin evicted records (the comparisons then come from its streaming totals); <c>forecast</c> only when the
/// server scored forecasts.
/// </summary>
internal sealed record ReplayJson(
    string Run,
    string Deployment,
    string PerfModel,
    int Requests,
    int Predicted,
    int KvBlocks,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RecordsEvicted,
    ComparisonJson TtftS,
    ComparisonJson TpotS,
    ComparisonJson E2eS,
    ReplayJson.TracksJson Series,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReplayForecastJson? Forecast,
    IReadOnlyList<ReplayJson.StepCorrectionJson> StepCorrection)
{
    /// <summary>The engine series over the replicas that sent snapshots; empty when none did.</summary>
    public sealed record TracksJson(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TrackJson? Running,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TrackJson? Waiting,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TrackJson? KvCachePct);

    /// <summary>
    /// One series: running and waiting are the replicas' means summed (the deployment's count). <c>kv_cache_pct</c>
    /// is the replicas' mean KV use in percent, <c>measured_mean</c> over the snapshots that reported it and
    /// <c>simulated_mean</c> at those same snapshots; when none did, <c>measured_mean</c> is null, <c>measured</c>
    /// says "not recorded" and <c>simulated_mean</c> is over every snapshot.
    /// </summary>
    public sealed record TrackJson(
        int Points,
        double? MeasuredMean,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Measured,
        double SimulatedMean);

    /// <summary>A replica's online step correction at the end of the replay; a standard error the fit did not size is absent.</summary>
    public sealed record StepCorrectionJson(
        int Replica,
        double KernelScale,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? KernelScaleStderr,
        double PrefillStepS,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PrefillStepStderrS,
        int Windows);

    public static ReplayJson From(ReplayReport r)
    {
        var comparisons = ComparisonsJson.From(r.Ttft, r.Tpot, r.E2e);
        return new ReplayJson(
            r.Run, r.Deployment, r.Info.ResolvedPerfModel, r.Requests, r.Predicted, r.Info.KvBlocks, r.Evicted > 0 ? r.Evicted : null,
            comparisons.TtftS, comparisons.TpotS, comparisons.E2eS,
            TracksOf(r.Replicas),
            r.Forecasts is null ? null : ReplayForecastJson.From(r.Forecasts),
            [.. r.Replicas.Where(x => x.StepCorrection is not null).Select(x => Correction(x.Replica, x.StepCorrection))]);
    }

    private static TracksJson TracksOf(IReadOnlyList<ReplicaTracking> replicas)
    {
        var tracked = replicas.Where(x => x.Snapshots > 0).ToList();
        if (tracked.Count == 0) return new TracksJson(null, null, null);
        int points = tracked.Sum(x => x.Snapshots);
        var reported = tracked.Where(x => x.HasObservedKvUsageMean).ToList();
        var kv = reported.Count > 0
            ? new TrackJson(reported.Sum(x => x.KvSnapshots), 100 * reported.Average(x => x.ObservedKvUsageMean), null, 100 * reported.Average(x => x.SimulatedKvUsageMeanAtObserved))
            : new TrackJson(points, null, "not recorded", 100 * tracked.Average(x => x.SimulatedKvUsageMean));
        return new TracksJson(
            new TrackJson(points, tracked.Sum(x => x.ObservedRunningMean), null, tracked.Sum(x => x.SimulatedRunningMean)),
            new TrackJson(points, tracked.Sum(x => x.ObservedWaitingMean), null, tracked.Sum(x => x.SimulatedWaitingMean)),
            kv);
    }

    private static StepCorrectionJson Correction(int replica, StepCorrectionEstimate c) => new(
        replica, c.KernelScale, c.HasKernelScaleStderr ? c.KernelScaleStderr : null,
        c.PrefillStepS, c.HasPrefillStepStderrS ? c.PrefillStepStderrS : null, c.Windows);
}
