using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Which attention backend vLLM 0.19 runs on a CUDA GPU, and on which steps its metadata build waits for the GPU.
/// <list type="bullet">
/// <item>Choice (<c>vllm/platforms/cuda.py</c> <c>_get_backend_priorities</c>, non-MLA): FlashInfer first on compute
/// capability 10.x, FlashAttention first everywhere else; the first backend whose <c>validate_configuration</c> passes
/// wins. FlashAttention needs capability 8.0 or more (<c>supports_compute_capability</c>) and reads an fp8 KV cache
/// only as FA3 (<c>supports_kv_cache_dtype</c> → <c>flash_attn_supports_fp8</c>), and FA3 is Hopper's alone
/// (<c>fa_utils.get_flash_attn_version</c>: FA3 on 9.x, FA4 on 10.x, FA2 otherwise). So with an fp8 KV cache
/// FlashInfer is the default on Ampere, Ada and RTX Blackwell, as vllm-project/vllm#57352 states. Below 8.0 FlashInfer
/// (7.5 and up) comes next, then Triton.</item>
/// <item>Read-back (vllm-project/vllm#57352): FlashInfer's builder copies <c>seq_lens</c> from the GPU on every build
/// unless TRT-LLM kernels serve all rows; Ampere and Ada copy on every build, Hopper and RTX Blackwell on builds with
/// prefill rows. The copy waits for all queued GPU work. On 10.x TRT-LLM serves the rows (the PR lists no copy
/// there). FlashAttention's builder reads only the device <c>seq_lens</c> and host-side maxima
/// (<c>FlashAttentionMetadataBuilder.build</c>); vllm-project/vllm#31773, before 0.19, took the lazily copied
/// <c>CommonAttentionMetadata.seq_lens_cpu</c> out of the CUDA full-attention backends.</item>
/// </list>
/// </summary>
public static class VllmAttentionBackend
{
    public static AttentionBackend For(ReplicaSpec spec) => For(spec.Hardware.ComputeCapability, spec.KvCacheDType);

    /// <param name="computeCapability">CUDA compute capability (0 where the catalog gives none: not a CUDA GPU).</param>
    /// <param name="kvCacheDType">The KV cache's dtype, as <see cref="DTypes.Normalize"/> spells it.</param>
    public static AttentionBackend For(double computeCapability, string kvCacheDType)
    {
        if (computeCapability <= 0) return AttentionBackend.NotCuda;
        int major = Major(computeCapability);
        if (major == 10) return AttentionBackend.FlashInfer;
        bool quantizedKv = DTypes.Normalize(kvCacheDType) is "fp8" or "int8" or "int4" or "fp4";
        bool flashAttention = computeCapability >= 8.0 && (!quantizedKv || major == 9);
        if (flashAttention) return AttentionBackend.FlashAttention;
        return computeCapability >= 7.5 ? AttentionBackend.FlashInfer : AttentionBackend.Triton;
    }

    /// <summary>Whether building this step's attention metadata waits for the GPU to finish the step before it.</summary>
    public static bool WaitsForGpu(AttentionBackend backend, double computeCapability, bool hasPrefillRows)
    {
        if (backend != AttentionBackend.FlashInfer) return false;
        int major = Major(computeCapability);
        return major switch
        {
            10 => false,
            9 or 12 => hasPrefillRows,
            _ => true,
        };
    }

    // 8.9 is major 8; the small offset keeps 9.0 stored as 8.9999... at 9.
    private static int Major(double computeCapability) => (int)Math.Floor(computeCapability + 1e-6);
}
