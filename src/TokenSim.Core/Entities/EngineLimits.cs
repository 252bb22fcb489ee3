namespace TokenSim.Core.Entities;

/// <summary>
/// The largest values TokenSim takes for the settings that size its state, checked where a simulation is built (so
/// the CLI, the planner and the server refuse the same values, naming the flag). Beyond them a run would overflow a
/// 32-bit count or take memory no machine has, rather than simulate anything a GPU can do.
/// </summary>
public static class EngineLimits
{
    /// <summary>Replicas of a deployment: the twin's proto caps a deployment at 1,024 (DeploymentSpec.replicas).</summary>
    public const int MaxReplicas = 1024;
    /// <summary>Engine ranks in one run: (replicas + decode replicas) × data-parallel ranks. Each costs the simulator
    /// its own scheduler and KV state, and is at least one GPU.</summary>
    public const int MaxEngineRanks = 1024;
    /// <summary>max_num_seqs: 2^20. vLLM sizes its sampler and CUDA-graph buffers by it; no GPU holds a million sequences.</summary>
    public const int MaxNumSeqs = 1 << 20;
    /// <summary>max_num_batched_tokens: 2^24, above any context length a model of the catalog has.</summary>
    public const int MaxNumBatchedTokens = 1 << 24;
    /// <summary>GPU KV blocks of one engine: 2^24 (about 30 bytes each of simulator state, per engine).</summary>
    public const int MaxKvBlocks = 1 << 24;
    /// <summary>Swap space per GPU, GiB: 2^20 (a PiB of host memory).</summary>
    public const double MaxSwapSpaceGib = 1 << 20;
    /// <summary>The finest time-series sampling period, seconds: finer would store a row per replica per millisecond.</summary>
    public const double MinTimeseriesIntervalSeconds = 0.001;
    /// <summary>The dearest price of one GPU-hour taken (any currency): 10^9, far above any GPU's rental price, low
    /// enough that a cost (price × GPUs × hours, per million tokens) stays a finite number that JSON can hold.</summary>
    public const double MaxCostPerGpuHour = 1e9;
}
