namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The query × key tile of the attention kernel vLLM runs on a GPU, by compute capability, for head dimension 128
/// (the models here).
/// <list type="bullet">
/// <item>FlashAttention-2 (every GPU but Hopper): vLLM always passes a block table (the paged KV cache), and
/// <c>mha_varlen_fwd</c> then forces the split-KV kernel (<c>flash_api.cpp</c>:
/// <c>run_mha_fwd(params, stream, /*force_split_kernel=*/paged_KV)</c>), whose tile is 64 × 128 for head dimension
/// 128 on every architecture (<c>flash_fwd_launch_template.h</c>, <c>run_mha_fwd_splitkv_dispatch</c>:
/// <c>kBlockM = 64; // Fixed for all head dimensions</c>, <c>kBlockN = Headdim &lt;= 128 ? 128 : 64</c> above 64).
/// The non-paged tiles (128 × 64 on SM80, 64 × 64 causal on SM86/89) are never launched by vLLM.</item>
/// <item>FlashAttention-3 (Hopper, SM90) uses 128 × 128 for causal head dimension 128 (<c>tile_size.h</c>,
/// <c>tile_size_fwd_sm90</c>) and packs the query heads of a GQA group into one tile.</item>
/// </list>
/// </summary>
/// <param name="QueryRows">Query rows per block (kBlockM): a decode's single row still occupies all of them.</param>
/// <param name="KeyColumns">Keys per main-loop step (kBlockN).</param>
/// <param name="PacksGqa">Whether the query heads sharing a KV head share a tile (FlashAttention-3's pack_gqa).</param>
/// <param name="OverlapsSoftmax">
/// Whether the softmax's exponentials run while the tensor cores multiply the next tile (FlashAttention-3's ping-pong
/// and intra-warpgroup pipelining, Shah et al. 2024, §3.1), or in the same warps between the two matmuls
/// (FlashAttention-2), where their time adds to the matmuls'.
/// </param>
public readonly record struct FlashAttentionTiles(int QueryRows, int KeyColumns, bool PacksGqa, bool OverlapsSoftmax = false)
{
    /// <summary>
    /// exp2 results per SM per clock: the special-function-unit throughput of every compute capability from 5.0 to
    /// 12.0 (CUDA C++ Programming Guide, "Throughput of Native Arithmetic Instructions": 16 for base-2 exponential).
    /// H100 SXM: 16 × 132 SMs × 1.83 GHz = 3.9 T/s against 989 TFLOPS of bf16 matmul, FlashAttention-3's own figures.
    /// </summary>
    public const int ExpPerSmPerClock = 16;

    /// <summary>
    /// Rows of FlashAttention-2's split-KV decode kernel (kBlockM 64), into which it folds the query heads of a GQA
    /// group when every sequence has one query token (<c>seqlenq_ngroups_swapped</c> in <c>mha_varlen_fwd</c>).
    /// </summary>
    public const int DecodeRows = 64;

    /// <summary>Most KV splits FlashAttention's <c>num_splits_heuristic</c> considers.</summary>
    public const int MaxSplits = 128;

    /// <summary>
    /// Shared memory one block of FlashAttention-2's split-KV kernel holds: a query tile and a K and a V tile at 16 bits
    /// (<c>kernel_traits.h</c>: <c>kSmemSize = kSmemQSize + kSmemKVSize</c>, neither shared; 80 KB at head dimension
    /// 128), which sets how many of its blocks an SM runs at once.
    /// </summary>
    public double SharedMemoryBytes(double headDim) => (QueryRows + 2.0 * KeyColumns) * headDim * 2;

    /// <summary>Blocks of this kernel one SM holds at once, by shared memory: 2 on A100 (164 KB), 1 on a 100 KB SM.</summary>
    public double BlocksPerSm(double headDim, double sharedMemoryPerSm) => Math.Max(1, Math.Floor(sharedMemoryPerSm / SharedMemoryBytes(headDim)));

    public static FlashAttentionTiles For(double computeCapability) => computeCapability switch
    {
        >= 9 and < 10 => new(128, 128, true, OverlapsSoftmax: true),
        _ => new(DecodeRows, 128, false),
    };
}
