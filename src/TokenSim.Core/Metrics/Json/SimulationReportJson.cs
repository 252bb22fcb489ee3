using System.Text.Json.Serialization;

namespace TokenSim.Core.Metrics.Json;

/// <summary>
/// The <c>simulate --json</c> document. Property order is the document's key order, which the scorecard and the
/// issue tracker's scripts read; names become snake_case (<see cref="CoreJsonContext"/>).
/// </summary>
public sealed record SimulationReportJson(
    long Requests,
    long Rejected,
    double MakespanS,
    Distribution TtftS,
    Distribution TpotS,
    Distribution ItlS,
    Distribution E2eS,
    Distribution QueueS,
    SimulationReportJson.ThroughputJson Throughput,
    long Preemptions,
    SimulationReportJson.KvUsageJson KvUsage,
    SimulationReportJson.PrefixCacheJson PrefixCache,
    // Only disaggregated (P/D) runs move KV between replicas; other runs leave the key out.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Distribution? KvTransferS,
    Distribution BatchSize,
    Distribution BatchTokens,
    long Steps,
    long PromptTokens,
    long OutputTokens,
    SimulationReportJson.ConfigJson Config,
    double WallS,
    // Only runs with a scenario change their fleet; other runs leave the key out.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SimulationReportJson.ScenarioJson? Scenario = null,
    // Left out only when a GPU has no power figures (a user's hardware file without a power: block).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SimulationReportJson.EnergyJson? Energy = null,
    // Only with --cost-per-gpu-hour: no price is assumed, and other runs leave the key out.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CostPerMillionOutputTokens = null)
{
    /// <summary>Per-GPU average and peak power, and all GPUs' energy per output token (null when none was produced).</summary>
    public sealed record EnergyJson(double AveragePowerW, double PeakPowerW, double? JoulesPerOutputToken, double EnergyJ, double StaticEnergyJ, double GpuSeconds);

    /// <summary>What a scenario's fleet cost: GPU-hours paid for and the replica count at each change.</summary>
    public sealed record ScenarioJson(double GpuHours, IReadOnlyList<ReplicaCountJson> Replicas);

    /// <summary>The fleet from <see cref="TimeS"/> on: replicas serving, and replicas paid for (serving, starting, draining).</summary>
    public sealed record ReplicaCountJson(double TimeS, int Serving, int Provisioned);

    public sealed record ThroughputJson(double RequestsPerS, double OutputTokensPerS);

    public sealed record KvUsageJson(double Mean, double Max);

    public sealed record PrefixCacheJson(double HitRate);

    public sealed record ConfigJson(
        string Model, string Hardware, int Replicas, int Tp, int Pp, string Scheduler, string PerfModel,
        int KvBlocks, int BlockSize, int MaxNumSeqs, int MaxNumBatchedTokens);

    public static SimulationReportJson From(SimulationReport r) => new(
        r.Requests, r.Rejected, r.MakespanSeconds,
        r.Ttft, r.Tpot, r.Itl, r.E2e, r.Queue,
        new ThroughputJson(r.RequestsPerSecond, r.OutputTokensPerSecond),
        r.Preemptions,
        new KvUsageJson(r.KvUsageMean, r.KvUsageMax),
        new PrefixCacheJson(r.PrefixCacheHitRate),
        r.KvTransfer.Count > 0 ? r.KvTransfer : null,
        r.BatchSize, r.BatchTokens,
        r.Steps, r.PromptTokens, r.OutputTokens,
        new ConfigJson(r.Model, r.Hardware, r.Replicas, r.TensorParallel, r.PipelineParallel, r.Scheduler, r.ExecutionModel,
            r.KvBlocksPerReplica, r.BlockSize, r.MaxNumSeqs, r.MaxNumBatchedTokens),
        r.WallSeconds,
        r.GpuHours is { } hours ? new ScenarioJson(hours, [.. r.ReplicaCounts.Select(c => new ReplicaCountJson(c.Time, c.Serving, c.Provisioned))]) : null,
        r.Energy is { } e ? new EnergyJson(e.AveragePowerWatts, e.PeakPowerWatts, e.JoulesPerOutputToken, e.Joules, e.StaticJoules, e.GpuSeconds) : null,
        r.CostPerMillionOutputTokens);
}
