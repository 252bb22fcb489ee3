using TokenSim.Core.Entities;

namespace TokenSim.Cli.Commands;

/// <summary>Every <c>simulate</c> setting, as read from a YAML <c>--config</c> file and then overridden by flags.</summary>
internal sealed class SimulateSettings
{
    public const string DefaultWorkload = "poisson:rate=2,n=2000";

    public string Model { get; set; } = "llama-2-7b";
    public string Hardware { get; set; } = "a100-80g";
    public int Tp { get; set; } = 1;
    public int Pp { get; set; } = 1;
    public int Replicas { get; set; } = 1;
    public string Scheduler { get; set; } = "vllm-v1";
    public string Router { get; set; } = "round-robin";
    public int? MaxNumSeqs { get; set; }
    public int? MaxNumBatchedTokens { get; set; }
    public int? MaxModelLen { get; set; }
    public int BlockSize { get; set; } = 16;
    public double GpuMemoryUtilization { get; set; } = 0.9;
    public int? KvBlocks { get; set; }
    public string PerfModel { get; set; } = "roofline";
    public bool? PrefixCaching { get; set; }
    public bool? AsyncScheduling { get; set; }
    public bool EnforceEager { get; set; }
    public string Preemption { get; set; } = "recompute";
    public string SwapTarget { get; set; } = "cpu";
    public double? SwapSpaceGib { get; set; }
    public int? ChunkSize { get; set; }
    public string LengthPredictor { get; set; } = "oracle";
    public string Workload { get; set; } = DefaultWorkload;
    public ulong Seed { get; set; } = 42;
    public string? Json { get; set; }
    public string? RequestsCsv { get; set; }
    public string? TimeseriesCsv { get; set; }
    public string? Trace { get; set; }
    public string? Plots { get; set; }
    public string? KvCacheManager { get; set; }
    public List<string> Plugins { get; set; } = [];
    public int DecodeReplicas { get; set; }
    public int Dp { get; set; } = 1;
    public double? Watermark { get; set; }
    public int CpuCacheBlocks { get; set; }
    public string PrefixEviction { get; set; } = "lru";
    public bool ExpertParallel { get; set; }
    public string? DecodeHardware { get; set; }
    public int? DecodeTp { get; set; }
    public string? KvTransferLink { get; set; }
    public double TimeseriesInterval { get; set; } = 1.0;

    public SimulateSettings Clone()
    {
        var c = (SimulateSettings)MemberwiseClone();
        c.Plugins = [.. Plugins];
        return c;
    }

    public EngineConfig ToEngineConfig() => new()
    {
        TensorParallel = Tp, PipelineParallel = Pp, MaxNumSeqs = MaxNumSeqs, MaxNumBatchedTokens = MaxNumBatchedTokens,
        MaxModelLen = MaxModelLen, BlockSize = BlockSize, GpuMemoryUtilization = GpuMemoryUtilization, KvBlocks = KvBlocks,
        Scheduler = Scheduler, EnablePrefixCaching = PrefixCaching, AsyncScheduling = AsyncScheduling, EnforceEager = EnforceEager,
        Preemption = Preemption, SwapTarget = SwapTarget, SwapSpaceBytes = SwapSpaceGib is { } g ? (long)(g * (1L << 30)) : null,
        ChunkSize = ChunkSize, LengthPredictor = LengthPredictor, KvCacheManager = KvCacheManager,
        DataParallel = Dp, ExpertParallel = ExpertParallel, Watermark = Watermark, CpuCacheBlocks = CpuCacheBlocks, PrefixEviction = PrefixEviction,
    };
}
