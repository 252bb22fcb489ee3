using System.Globalization;
using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// One measured closed-loop vLLM benchmark of AIConfigurator's silicon sample
/// (<c>data/reference/aiconfigurator-silicon/vllm_silicon_points.csv</c>): a server at fixed parallelism and
/// precision, <see cref="Concurrency"/> clients each sending a prompt of <see cref="Isl"/> tokens for
/// <see cref="Osl"/> output tokens the moment its previous reply ends, and the measured mean TPOT. The file leaves
/// <see cref="Concurrency"/> empty (0 here) for disaggregated runs.
/// </summary>
/// <remarks>
/// The file's <c>batch_size</c> is per attention-DP rank (AIConfigurator's convention): on all 97 points with
/// <c>attention_dp_size</c> 2 or 4 the <c>silicon_concurrency</c> recorded in <c>silicon_data_source</c> is
/// <c>batch_size × attention_dp_size</c>, and on the 1,138 others it equals <c>batch_size</c>. <see cref="Concurrency"/>
/// is that total of clients (<see cref="SiliconCheck.Read"/> multiplies).
/// </remarks>
public sealed record SiliconPoint(
    int Line, string System, string ModelPath, string Precision, string Mode, int Isl, int Osl, int Concurrency,
    int? Tp, int? Pp, int? AttentionDp, int? MoeTp, int? MoeEp, double TtftMs, double TpotMs)
{
    /// <summary>The weights' and GEMMs' dtype: the file leaves bf16 empty.</summary>
    public string DType => Precision.Length == 0 ? "bf16" : Precision;

    /// <summary>A short label: GPU, model, dtype, parallelism, lengths and concurrency.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"line {Line}: {System} {ModelPath} {DType} tp{Tp?.ToString(CultureInfo.InvariantCulture) ?? "?"} dp{AttentionDp ?? 1} ep{MoeEp ?? 1} {Isl}/{Osl} x{Concurrency}");

    /// <summary>
    /// The engine this point ran, or null with the reason the simulator cannot represent it in <paramref name="why"/>.
    /// </summary>
    public ReplicaSpec? Spec(out string? why)
    {
        why = null;
        if (Mode != "agg")
        {
            why = $"mode '{Mode}': disaggregated prefill/decode workers whose counts and parallelism the file does not record";
            return null;
        }
        if (Concurrency == 0)
        {
            why = "no batch_size (client concurrency) recorded";
            return null;
        }
        if (!HardwareCatalog.TryGet(System, out var gpu))
        {
            why = $"GPU '{System}' is not in the catalog";
            return null;
        }
        if (!ModelCatalog.TryGet(ModelPath, out var model))
        {
            why = ModelPath.Contains("Kimi", StringComparison.OrdinalIgnoreCase)
                ? "multi-head latent attention (DeepSeek-V3's compressed KV), a dense first layer and a shared expert: not in TokenSim's model description"
                : $"model '{ModelPath}' is not in the catalog";
            return null;
        }
        int tp = Tp ?? 1, dp = AttentionDp ?? 1, moeTp = MoeTp ?? 1, moeEp = MoeEp ?? 1;
        if (model.IsMoe)
        {
            // vLLM runs the experts over the attention's GPUs: EP = TP x DP (enable_expert_parallel), or TP over them.
            bool consistent = moeEp > 1 ? moeEp == tp * dp && moeTp == 1 : moeTp == tp * dp;
            if (!consistent)
            {
                why = $"attention on tp {tp} x dp {dp} GPUs but MoE on moe_tp {moeTp} x moe_ep {moeEp}: no vLLM launch gives that layout";
                return null;
            }
        }
        // vLLM's defaults for the OpenAI server on a GPU of 70 GiB or more (EngineArgs._set_default_args): 1,024
        // sequences, 8,192 batched tokens. vLLM keeps a bf16 KV cache for FP8/FP4 checkpoints unless told otherwise.
        var cfg = new EngineConfig
        {
            TensorParallel = tp, PipelineParallel = Pp ?? 1, DataParallel = dp, ExpertParallel = model.IsMoe && moeEp > 1,
            KvCacheDType = "bf16", MaxNumSeqs = Math.Max(1024, Concurrency), MaxModelLen = Isl + Osl + 16, MaxNumBatchedTokens = 8192,
        };
        try { return ReplicaSpec.Create(model with { DType = DType }, gpu, cfg); }
        catch (ArgumentException e)
        {
            why = e.Message;
            return null;
        }
    }
}
