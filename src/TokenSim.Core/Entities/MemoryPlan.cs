namespace TokenSim.Core.Entities;

/// <summary>
/// How one GPU's memory is split, derived the way vLLM V1's <c>determine_available_memory</c> and
/// <c>get_num_blocks</c> do: requested = ceil(total × utilization); KV = requested − weights − activation peak −
/// non-torch memory; blocks = floor(KV / (page size × layers on this rank)).
/// </summary>
public sealed record MemoryPlan(
    long TotalBytes,
    long RequestedBytes,
    long WeightBytes,
    long ActivationPeakBytes,
    long NonTorchBytes,
    long KvBytes,
    long BlockBytes,
    int NumGpuBlocks,
    bool BlocksGiven)
{
    /// <summary>Blocks a request can use: vLLM keeps block 0 as a permanent null block.</summary>
    public int UsableBlocks => Math.Max(0, NumGpuBlocks - 1);

    /// <summary>
    /// Non-torch memory charged after vLLM's init snapshot. CUDA context and NCCL set-up precede the snapshot
    /// and fall in the (1 − utilization) headroom; what remains is cuBLAS/attention workspaces plus NCCL buffers
    /// at TP &gt; 1. NCCL figures from AIConfigurator's systems files (misc.nccl_mem, Apache-2.0).
    /// </summary>
    public static long NonTorchEstimate(int tp) => 150L * 1024 * 1024 + tp switch
    {
        1 => 0,
        2 => 358_612_992,
        _ => 411_041_792,
    };

    /// <summary>
    /// Peak activation memory of vLLM's profile run: one forward of <paramref name="maxBatchedTokens"/> tokens and a
    /// sampler pass over min(tokens, max_num_seqs) rows of fp32 logits. The largest live set is in the MLP:
    /// gate/up output (2·I/TP), activation output (I/TP) and two hidden-size buffers (residual and input), per token.
    /// The sampler holds the logits and one probability copy (fp32, full vocabulary).
    /// </summary>
    public static long ActivationPeakEstimate(ModelSpec m, int tp, int maxBatchedTokens, int maxNumSeqs)
    {
        long width = m.IsMoe
            ? 3L * m.ExpertWidth * Math.Min(m.NumExperts, m.ExpertsPerToken * 2) / tp
            : 3L * m.IntermediateSize / tp;
        long forward = (long)maxBatchedTokens * (width + 2L * m.HiddenSize) * m.DTypeBytes;
        long rows = Math.Min(maxBatchedTokens, maxNumSeqs);
        long sampler = rows * m.VocabSize * 4L * 2;
        return forward + sampler;
    }
}
