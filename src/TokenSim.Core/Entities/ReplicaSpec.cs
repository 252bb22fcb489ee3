namespace TokenSim.Core.Entities;

/// <summary>
/// A fully resolved replica: model, hardware, parallelism, engine settings with vLLM's defaults applied, and the
/// memory plan that gives its KV block count.
/// </summary>
public sealed record ReplicaSpec
{
    public required ModelSpec Model { get; init; }
    public required HardwareSpec Hardware { get; init; }
    public required int TensorParallel { get; init; }
    public required int PipelineParallel { get; init; }
    public required int MaxNumSeqs { get; init; }
    public required int MaxNumBatchedTokens { get; init; }
    public required int MaxModelLen { get; init; }
    public required int BlockSize { get; init; }
    public required double GpuMemoryUtilization { get; init; }
    public required string KvCacheDType { get; init; }
    public required string Scheduler { get; init; }
    public required bool AsyncScheduling { get; init; }
    public required bool PrefixCaching { get; init; }
    public bool EnforceEager { get; init; }
    public int DataParallel { get; init; } = 1;
    /// <summary>GPUs the experts are spread over: TP × DP with expert parallelism, else 1 (experts TP-sliced).</summary>
    public int ExpertParallelSize { get; init; } = 1;
    public string? KvCacheManager { get; init; }
    public int ChunkSize { get; init; } = 512;
    /// <summary>Share of blocks admission keeps free; null = the scheduler's default.</summary>
    public double? Watermark { get; init; }
    public int CpuCacheBlocks { get; init; }
    public TokenSim.Core.Memory.PrefixEviction PrefixEviction { get; init; }
    public PreemptionMode Preemption { get; init; }
    /// <summary>The link swapped KV crosses (PCIe to the host, or the GPU-to-GPU link for remote swap).</summary>
    public LinkSpec? SwapLink { get; init; }
    /// <summary>KV blocks the swap space holds (per GPU rank, like the GPU blocks).</summary>
    public int SwapBlocks { get; init; }
    public string LengthPredictor { get; init; } = "oracle";
    public required MemoryPlan Memory { get; init; }

    /// <summary>GPUs of one replica: TP × PP per DP rank, times the DP ranks.</summary>
    public int GpusPerReplica => TensorParallel * PipelineParallel * DataParallel;
    public int NumGpuBlocks => Memory.NumGpuBlocks;
    public int UsableBlocks => Memory.UsableBlocks;
    public long KvCapacityTokens => (long)Memory.NumGpuBlocks * BlockSize;

    private static bool IsV1(string scheduler) => scheduler is "vllm-v1" or "vllm";

    /// <summary>Applies vLLM 0.19's defaults (<c>vllm serve</c> usage context) and derives the KV block count.</summary>
    public static ReplicaSpec Create(ModelSpec model, HardwareSpec hw, EngineConfig cfg)
    {
        if (cfg.TensorParallel < 1) throw new ArgumentException($"--tp must be at least 1 (got {cfg.TensorParallel}).");
        if (cfg.PipelineParallel < 1) throw new ArgumentException($"--pp must be at least 1 (got {cfg.PipelineParallel}).");
        if (cfg.PipelineParallel > model.NumLayers) throw new ArgumentException($"--pp {cfg.PipelineParallel} exceeds the model's {model.NumLayers} layers.");
        if (model.NumHeads % cfg.TensorParallel != 0) throw new ArgumentException($"--tp {cfg.TensorParallel} does not divide {model.Name}'s {model.NumHeads} attention heads.");
        if (cfg.BlockSize < 1) throw new ArgumentException($"--block-size must be positive (got {cfg.BlockSize}).");
        if (!(cfg.GpuMemoryUtilization > 0 && cfg.GpuMemoryUtilization <= 1)) throw new ArgumentException($"--gpu-memory-utilization must be in (0, 1] (got {cfg.GpuMemoryUtilization}).");

        int maxModelLen = cfg.MaxModelLen ?? model.MaxPositionEmbeddings;
        if (maxModelLen < 1) throw new ArgumentException($"--max-model-len must be positive (got {maxModelLen}).");
        // vLLM's get_batch_defaults for the OpenAI server: big devices (>= 70 GiB, not A100) 8192/1024, others 2048/256.
        int seqs = cfg.MaxNumSeqs ?? (hw.IsBigDevice ? 1024 : 256);
        int tokens = cfg.MaxNumBatchedTokens ?? (int)Math.Min(hw.IsBigDevice ? 8192 : 2048, (long)seqs * maxModelLen);
        if (cfg.MaxNumSeqs is null) seqs = Math.Min(seqs, tokens);
        if (seqs < 1) throw new ArgumentException($"--max-num-seqs must be at least 1 (got {seqs}).");
        if (tokens < 1) throw new ArgumentException($"--max-num-batched-tokens must be at least 1 (got {tokens}).");
        if (seqs > EngineLimits.MaxNumSeqs) throw new ArgumentException($"--max-num-seqs must be at most {EngineLimits.MaxNumSeqs:N0} (got {seqs:N0}).");
        if (tokens > EngineLimits.MaxNumBatchedTokens) throw new ArgumentException($"--max-num-batched-tokens must be at most {EngineLimits.MaxNumBatchedTokens:N0} (got {tokens:N0}).");

        string kvDType = DTypes.Normalize(cfg.KvCacheDType ?? model.DType);
        int tp = cfg.TensorParallel, pp = cfg.PipelineParallel;
        long total = hw.MemoryBytes;
        long requested = (long)Math.Ceiling(total * cfg.GpuMemoryUtilization);
        if (cfg.DataParallel is < 1 or > EngineLimits.MaxEngineRanks) throw new ArgumentException($"--dp (data_parallel_size) must be 1 to {EngineLimits.MaxEngineRanks:N0} (got {cfg.DataParallel:N0}).");
        int ep = cfg.ExpertParallel && model.IsMoe ? tp * cfg.DataParallel : 1;
        if (ep > 1 && model.NumExperts % ep != 0) throw new ArgumentException($"Expert parallelism over {ep} GPUs does not divide {model.Name}'s {model.NumExperts} experts.");
        long weights = model.WeightBytesPerGpu(tp, pp, ep);
        long activation = MemoryPlan.ActivationPeakEstimate(model, tp, tokens, seqs);
        long nonTorch = MemoryPlan.NonTorchEstimate(tp);
        long kvBytes = requested - weights - activation - nonTorch;
        int layersPerRank = (int)Math.Ceiling(model.NumLayers / (double)pp);
        long blockBytes = cfg.BlockSize * model.KvBytesPerTokenPerLayer(tp, DTypes.Bytes(kvDType)) * layersPerRank;
        int blocks;
        if (cfg.KvBlocks is { } given)
        {
            if (given < 2) throw new ArgumentException($"--kv-blocks must be at least 2 (one is vLLM's null block); got {given}.");
            if (given > EngineLimits.MaxKvBlocks) throw new ArgumentException($"--kv-blocks must be at most {EngineLimits.MaxKvBlocks:N0} (got {given:N0}).");
            blocks = given;
        }
        else
        {
            if (weights >= requested)
                throw new ArgumentException(
                    $"{model.Name} needs {weights / 1e9:F1} GB of weights per GPU at TP={tp}, PP={pp}, more than {cfg.GpuMemoryUtilization:P0} of {hw.Name}'s {total / 1e9:F1} GB. Raise --tp/--pp or pick a larger GPU.");
            if (kvBytes < blockBytes)
                throw new ArgumentException(
                    $"No memory left for the KV cache on {hw.Name}: {requested / 1e9:F2} GB usable − {weights / 1e9:F2} GB weights − {(activation + nonTorch) / 1e9:F2} GB activations. Raise --gpu-memory-utilization or --tp, or lower --max-num-batched-tokens.");
            blocks = (int)Math.Min(int.MaxValue, kvBytes / blockBytes);
        }
        var plan = new MemoryPlan(total, requested, weights, activation, nonTorch, Math.Max(0, kvBytes), blockBytes, blocks, cfg.KvBlocks.HasValue);
        var spec = new ReplicaSpec
        {
            Model = model, Hardware = hw, TensorParallel = tp, PipelineParallel = pp, MaxNumSeqs = seqs,
            MaxNumBatchedTokens = tokens, MaxModelLen = maxModelLen, BlockSize = cfg.BlockSize,
            GpuMemoryUtilization = cfg.GpuMemoryUtilization, KvCacheDType = kvDType, Scheduler = cfg.Scheduler, Memory = plan,
            // With PP, vLLM keeps one batch in flight per stage instead of scheduling one ahead.
            AsyncScheduling = cfg.AsyncScheduling ?? (IsV1(cfg.Scheduler) && pp == 1),
            PrefixCaching = cfg.EnablePrefixCaching ?? IsV1(cfg.Scheduler),
            EnforceEager = cfg.EnforceEager,
            DataParallel = cfg.DataParallel,
            ExpertParallelSize = ep,
            KvCacheManager = cfg.KvCacheManager,
            ChunkSize = cfg.ChunkSize is { } chunk ? (chunk >= 1 ? chunk : throw new ArgumentException($"--chunk-size must be positive (got {chunk}).")) : 512,
            LengthPredictor = cfg.LengthPredictor,
            Watermark = cfg.Watermark is { } wm ? (wm is >= 0 and < 1 ? wm : throw new ArgumentException($"--watermark must be in [0, 1) (got {wm}).")) : null,
            PrefixEviction = cfg.PrefixEviction.ToLowerInvariant() switch
            {
                "lru" => TokenSim.Core.Memory.PrefixEviction.Lru,
                "fifo" => TokenSim.Core.Memory.PrefixEviction.Fifo,
                "lfu" => TokenSim.Core.Memory.PrefixEviction.Lfu,
                var other => throw new ArgumentException($"Unknown prefix eviction '{other}'. Known: lru, fifo, lfu."),
            },
            CpuCacheBlocks = cfg.CpuCacheBlocks >= 0 ? cfg.CpuCacheBlocks : throw new ArgumentException($"--cpu-cache-blocks must not be negative (got {cfg.CpuCacheBlocks})."),
            Preemption = cfg.Preemption.ToLowerInvariant() switch
            {
                "recompute" => PreemptionMode.Recompute,
                "swap" => PreemptionMode.Swap,
                "swap-lazy" => PreemptionMode.SwapLazy,
                var other => throw new ArgumentException($"Unknown preemption '{other}'. Known: recompute, swap, swap-lazy."),
            },
            SwapLink = cfg.SwapTarget.ToLowerInvariant() switch
            {
                "cpu" => hw.Pcie ?? hw.IntraNodeLink,
                "remote" => hw.IntraNodeLink,
                var other => throw new ArgumentException($"Unknown swap target '{other}'. Known: cpu, remote."),
            },
            SwapBlocks = (int)Math.Min(int.MaxValue, (cfg.SwapSpaceBytes ?? 4L << 30) / Math.Max(1, blockBytes)),
        };
        // vLLM refuses to start when one max-length sequence cannot fit in the KV cache.
        long usableTokens = (long)plan.UsableBlocks * cfg.BlockSize;
        if (usableTokens < maxModelLen)
            throw new ArgumentException(
                $"The model's max seq len ({maxModelLen}) is larger than the maximum number of tokens that can be stored in the KV cache ({usableTokens}). Lower --max-model-len or give more KV memory.");
        return spec;
    }
}
