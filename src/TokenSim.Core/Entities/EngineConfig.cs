namespace TokenSim.Core.Entities;

/// <summary>
/// Engine settings of one replica, named as vLLM names them. Nulls mean "vLLM's default for this model and GPU",
/// resolved by <see cref="ReplicaSpec.Create"/>.
/// </summary>
public sealed record EngineConfig
{
    /// <summary>Tensor-parallel degree (GPUs per pipeline stage).</summary>
    public int TensorParallel { get; init; } = 1;
    /// <summary>Pipeline-parallel degree (stages).</summary>
    public int PipelineParallel { get; init; } = 1;
    /// <summary>Most requests admitted at once (vLLM <c>max_num_seqs</c>); default by device as <c>vllm serve</c> sets it.</summary>
    public int? MaxNumSeqs { get; init; }
    /// <summary>Token budget of one step (vLLM <c>max_num_batched_tokens</c>); default by device as <c>vllm serve</c> sets it.</summary>
    public int? MaxNumBatchedTokens { get; init; }
    /// <summary>Context limit; default the model's <c>max_position_embeddings</c>.</summary>
    public int? MaxModelLen { get; init; }
    /// <summary>Tokens per KV block (vLLM default 16).</summary>
    public int BlockSize { get; init; } = 16;
    /// <summary>Fraction of device memory vLLM may use (default 0.9).</summary>
    public double GpuMemoryUtilization { get; init; } = 0.9;
    /// <summary>Give the GPU block count directly (vLLM <c>num_gpu_blocks_override</c>) instead of deriving it.</summary>
    public int? KvBlocks { get; init; }
    /// <summary>KV-cache dtype; null = the model's dtype (vLLM <c>kv_cache_dtype=auto</c>).</summary>
    public string? KvCacheDType { get; init; }
    /// <summary>
    /// vLLM's async scheduling: step N+1 is scheduled while step N runs, so arrivals join one step later and finished
    /// requests free their slots one step later. Null = vLLM 0.19's default (on for the V1 scheduler).
    /// </summary>
    public bool? AsyncScheduling { get; init; }
    /// <summary>vLLM prefix caching (block hashes over token ids). Null = the scheduler's vLLM default: on for V1, off for V0.</summary>
    public bool? EnablePrefixCaching { get; init; }
    /// <summary>vLLM <c>enforce_eager</c>: no CUDA graphs, so no token padding.</summary>
    public bool EnforceEager { get; init; }
    /// <summary>Sarathi-Serve's token budget per step (chunk size); default 512.</summary>
    public int? ChunkSize { get; init; }
    /// <summary>Output-length predictor for shortest-first schedulers: <c>oracle</c> or <c>noisy:SIGMA</c> (log-normal error).</summary>
    public string LengthPredictor { get; init; } = "oracle";
    /// <summary>
    /// What preemption does with the victim's KV: <c>recompute</c> (vLLM V1: drop it and prefill again), <c>swap</c>
    /// (vLLM V0: copy it out at once and back in on resume), or <c>swap-lazy</c> (TokenSim: leave it on the GPU and copy
    /// it out only when its blocks are needed).
    /// </summary>
    public string Preemption { get; init; } = "recompute";
    /// <summary>Where swapped KV goes: <c>cpu</c> (host memory over PCIe) or <c>remote</c> (a peer GPU over NVLink/the network).</summary>
    public string SwapTarget { get; init; } = "cpu";
    /// <summary>Swap space per GPU in bytes; default 4 GiB (vLLM V0's <c>swap_space</c>).</summary>
    public long? SwapSpaceBytes { get; init; }
    /// <summary>KV-cache manager by registry name; null = <c>prefix-caching</c> or <c>paged</c> by <see cref="EnablePrefixCaching"/>.</summary>
    public string? KvCacheManager { get; init; }
    /// <summary>
    /// vLLM <c>data_parallel_size</c>: engine ranks per replica, each with its own scheduler and KV cache, requests
    /// balanced across them, stepping together because their MoE layers exchange tokens.
    /// </summary>
    public int DataParallel { get; init; } = 1;
    /// <summary>vLLM <c>enable_expert_parallel</c>: MoE experts split over all TP × DP GPUs, with all-to-all dispatch and combine.</summary>
    public bool ExpertParallel { get; init; }
    /// <summary>Share of KV blocks kept free at admission (vLLM V0's block-manager watermark is 0.01; V1 has none). Null = the scheduler's own.</summary>
    public double? Watermark { get; init; }
    /// <summary>Host-memory KV tier for prefix caching, in blocks: evicted cached blocks move there, and hits on them are fetched back over PCIe. 0 = none.</summary>
    public int CpuCacheBlocks { get; init; }
    /// <summary>Prefix-cache eviction order: <c>lru</c> (vLLM), <c>fifo</c> or <c>lfu</c>.</summary>
    public string PrefixEviction { get; init; } = "lru";
    /// <summary>Replica scheduler by registry name.</summary>
    public string Scheduler { get; init; } = "vllm-v1";
}
