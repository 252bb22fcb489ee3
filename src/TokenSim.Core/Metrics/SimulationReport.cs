using System.Text.Json;
using TokenSim.Core.Metrics.Json;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Metrics;

/// <summary>The summary of a run, as <c>tokensim simulate</c> prints it and writes it with <c>--json</c>.</summary>
public sealed record SimulationReport
{
    public required string Model { get; init; }
    public required string Hardware { get; init; }
    public required int Replicas { get; init; }
    public required int TensorParallel { get; init; }
    public required int PipelineParallel { get; init; }
    public required string Scheduler { get; init; }
    public required string ExecutionModel { get; init; }
    public required int KvBlocksPerReplica { get; init; }
    public required int BlockSize { get; init; }
    public required int MaxNumSeqs { get; init; }
    public required int MaxNumBatchedTokens { get; init; }
    public required long Requests { get; init; }
    public required long Rejected { get; init; }
    public required double MakespanSeconds { get; init; }
    public required Distribution Ttft { get; init; }
    public required Distribution Tpot { get; init; }
    public required Distribution Itl { get; init; }
    public required Distribution E2e { get; init; }
    public required Distribution Queue { get; init; }
    public required Distribution BatchSize { get; init; }
    public required Distribution KvTransfer { get; init; }
    public required Distribution BatchTokens { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required double OutputTokensPerSecond { get; init; }
    public required long OutputTokens { get; init; }
    public required long PromptTokens { get; init; }
    public required long Preemptions { get; init; }
    public required long Steps { get; init; }
    public required double KvUsageMean { get; init; }
    public required double KvUsageMax { get; init; }
    /// <summary>Prompt tokens found in the prefix cache over prompt tokens looked up at admission (0 without caching).</summary>
    public required double PrefixCacheHitRate { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>GPU-hours paid for under a scenario (replicas serving, starting and draining); null without one.</summary>
    public double? GpuHours { get; init; }
    /// <summary>The fleet over time under a scenario: one point per change; empty without one.</summary>
    public IReadOnlyList<Simulation.Scenarios.ReplicaCountPoint> ReplicaCounts { get; init; } = [];
    /// <summary>GPUs × seconds powered and paid for: every rank's TP × PP GPUs over the makespan, or a scenario's GPU-hours.</summary>
    public double GpuSeconds { get; init; }
    /// <summary>The run's energy; null when it was not metered (<see cref="Energy.EnergyMeter"/>) or a GPU has no power figures.</summary>
    public Energy.EnergyReport? Energy { get; init; }
    /// <summary>At the given price per GPU-hour over <see cref="GpuSeconds"/>; null without a price.</summary>
    public double? CostPerMillionOutputTokens { get; init; }

    /// <summary>The summary with the energy <paramref name="meter"/> added up (if any) and the cost at <paramref name="costPerGpuHour"/> (if given).</summary>
    public static SimulationReport From(Simulator sim, double wallSeconds, Energy.EnergyMeter? meter, double? costPerGpuHour)
    {
        var r = From(sim, wallSeconds);
        return r with
        {
            Energy = meter?.Summarize(r.MakespanSeconds, r.OutputTokens),
            CostPerMillionOutputTokens = TokenSim.Core.Energy.EnergyReport.CostPerMillionOutputTokens(costPerGpuHour, r.GpuSeconds, r.OutputTokens),
        };
    }

    public static SimulationReport From(Simulator sim, double wallSeconds)
    {
        var m = sim.Metrics;
        var spec = sim.Options.Replica;
        double start = double.IsNaN(m.FirstArrival) ? 0 : m.FirstArrival;
        double makespan = Math.Max(0, m.LastFinish - start);
        return new SimulationReport
        {
            Model = spec.Model.Name, Hardware = spec.Hardware.Name, Replicas = sim.Replicas.Count,
            TensorParallel = spec.TensorParallel, PipelineParallel = spec.PipelineParallel, Scheduler = spec.Scheduler,
            ExecutionModel = sim.ExecutionModelName,
            KvBlocksPerReplica = spec.NumGpuBlocks, BlockSize = spec.BlockSize, MaxNumSeqs = spec.MaxNumSeqs,
            MaxNumBatchedTokens = spec.MaxNumBatchedTokens,
            Requests = m.Completed, Rejected = m.Rejected, MakespanSeconds = makespan,
            Ttft = m.Ttft.Summarize(), Tpot = m.Tpot.Summarize(), Itl = m.Itl.Summarize(), E2e = m.E2e.Summarize(),
            Queue = m.Queue.Summarize(), BatchSize = m.BatchSize.Summarize(), KvTransfer = m.KvTransfer.Summarize(), BatchTokens = m.BatchTokens.Summarize(),
            RequestsPerSecond = makespan > 0 ? m.Completed / makespan : 0,
            OutputTokensPerSecond = makespan > 0 ? m.OutputTokens / makespan : 0,
            OutputTokens = m.OutputTokens, PromptTokens = m.PromptTokens, Preemptions = m.Preemptions, Steps = m.Steps,
            KvUsageMean = makespan > 0 ? m.KvUsageIntegral / (makespan * sim.Replicas.Count) : 0,
            KvUsageMax = m.KvUsageMax,
            PrefixCacheHitRate = sim.Replicas.Sum(r => r.Kv.PrefixQueryTokens) is > 0 and var q ? (double)sim.Replicas.Sum(r => r.Kv.PrefixHitTokens) / q : 0,
            WallSeconds = wallSeconds,
            GpuHours = sim.GpuHours,
            ReplicaCounts = sim.ReplicaCounts,
            GpuSeconds = sim.GpuHours is { } hours ? hours * 3600 : sim.Replicas.Sum(r => r.Spec.TensorParallel * r.Spec.PipelineParallel) * makespan,
        };
    }

    /// <summary>Writes the <c>--json</c> document: the keys the issue tracker and scorecard rely on, plus the run's settings.</summary>
    public void WriteJson(Stream stream) => JsonSerializer.Serialize(stream, SimulationReportJson.From(this), CoreJsonContext.Default.SimulationReportJson);
}
