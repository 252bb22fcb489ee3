namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The query × key tile of the attention kernel vLLM runs on a GPU, by compute capability, for head dimension 128
/// (the models here): FlashAttention-2's <c>run_mha_fwd_hdim128</c> (<c>flash_fwd_launch_template.h</c>) uses
/// 128 × 64 on SM80 and 64 × 64 for causal attention on SM86/SM89; FlashAttention-3 (Hopper, SM90) uses 128 × 128
/// for causal hdim 128 (<c>tile_size.h</c>, <c>tile_size_fwd_sm90</c>) and packs the query heads of a GQA group
/// into one tile. Other GPUs get SM80's tile.
/// </summary>
/// <param name="QueryRows">Query rows per block (kBlockM): a decode's single row still occupies all of them.</param>
/// <param name="KeyColumns">Keys per main-loop step (kBlockN).</param>
/// <param name="PacksGqa">Whether the query heads sharing a KV head share a tile (FlashAttention-3's pack_gqa).</param>
public readonly record struct FlashAttentionTiles(int QueryRows, int KeyColumns, bool PacksGqa)
{
    /// <summary>
    /// Rows of FlashAttention-2's split-KV decode kernel (kBlockM 64), into which it folds the query heads of a GQA
    /// group when every sequence has one query token (<c>seqlenq_ngroups_swapped</c> in <c>mha_varlen_fwd</c>).
    /// </summary>
    public const int DecodeRows = 64;

    /// <summary>Most KV splits FlashAttention's <c>num_splits_heuristic</c> considers.</summary>
    public const int MaxSplits = 128;

    public static FlashAttentionTiles For(double computeCapability) => computeCapability switch
    {
        >= 8.55 and < 9 => new(64, 64, false),
        >= 9 and < 10 => new(128, 128, true),
        _ => new(128, 64, false),
    };
}
