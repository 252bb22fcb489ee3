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
    DistributionJson TtftS,
    DistributionJson TpotS,
    DistributionJson ItlS,
    DistributionJson E2eS,
    DistributionJson QueueS,
    SimulationReportJson.ThroughputJson Throughput,
    long Preemptions,
    SimulationReportJson.KvUsageJson KvUsage,
    SimulationReportJson.PrefixCacheJson PrefixCache,
    // Only disaggregated (P/D) runs move KV between replicas; other runs leave the key out.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DistributionJson? KvTransferS,
    DistributionJson BatchSize,
    DistributionJson BatchTokens,
    long Steps,
    long PromptTokens,
    long OutputTokens,
    SimulationReportJson.ConfigJson Config,
    double WallS)
{
    public sealed record ThroughputJson(double RequestsPerS, double OutputTokensPerS);

    public sealed record KvUsageJson(double Mean, double Max);

    public sealed record PrefixCacheJson(double HitRate);

    public sealed record ConfigJson(
        string Model, string Hardware, int Replicas, int Tp, int Pp, string Scheduler, string PerfModel,
        int KvBlocks, int BlockSize, int MaxNumSeqs, int MaxNumBatchedTokens);

    public static SimulationReportJson From(SimulationReport r) => new(
        r.Requests, r.Rejected, r.MakespanSeconds,
        DistributionJson.From(r.Ttft), DistributionJson.From(r.Tpot), DistributionJson.From(r.Itl), DistributionJson.From(r.E2e), DistributionJson.From(r.Queue),
        new ThroughputJson(r.RequestsPerSecond, r.OutputTokensPerSecond),
        r.Preemptions,
        new KvUsageJson(r.KvUsageMean, r.KvUsageMax),
        new PrefixCacheJson(r.PrefixCacheHitRate),
        r.KvTransfer.Count > 0 ? DistributionJson.From(r.KvTransfer) : null,
        DistributionJson.From(r.BatchSize), DistributionJson.From(r.BatchTokens),
        r.Steps, r.PromptTokens, r.OutputTokens,
        new ConfigJson(r.Model, r.Hardware, r.Replicas, r.TensorParallel, r.PipelineParallel, r.Scheduler, r.ExecutionModel,
            r.KvBlocksPerReplica, r.BlockSize, r.MaxNumSeqs, r.MaxNumBatchedTokens),
        r.WallSeconds);
}
