using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// The roofline's prediction (seconds) for each point of a measured operator table, built from the same
/// <see cref="RooflineKernels"/> that <see cref="RooflineExecutionTimeModel"/> composes into a step, so that
/// operator-level validation tells how faithful the roofline is, kernel by kernel.
/// </summary>
/// <param name="hardware">The GPU the table was measured on, or null when the catalog lacks it.</param>
/// <param name="hardwareName">What the path or the user called the GPU, for the "n/a" reason.</param>
/// <param name="model">The model, for profiles that do not record its shape (LLMServingSim); null if unknown.</param>
/// <param name="parameters">Roofline efficiencies; the defaults when null.</param>
/// <param name="kernels">
/// The kernel model for a dtype on <paramref name="hardware"/>; the roofline (<see cref="RooflineKernels"/>) when
/// null. The GPU model (<see cref="Gpu.GpuKernels"/>) is scored through the same operator mapping.
/// </param>
public sealed class OperatorRoofline(HardwareSpec? hardware, string? hardwareName, ModelSpec? model, RooflineParameters? parameters = null,
    Func<HardwareSpec, string, IOperatorKernels>? kernels = null)
{
    private readonly RooflineParameters _p = parameters ?? new RooflineParameters();

    /// <summary>A function from the table's grid coordinates to the roofline time, or null with the reason there is none.</summary>
    public Func<double[], double>? For(IOperatorProfile profile, ProfileTable table, out string reason)
    {
        reason = "";
        if (hardware is null)
        {
            reason = hardwareName is null ? "no GPU given (--hardware)" : $"GPU '{hardwareName}' is not in the catalog";
            return null;
        }
        string op = table.Name.Contains(':') ? table.Name[(table.Name.IndexOf(':') + 1)..] : table.Name;
        try
        {
            var f = profile switch
            {
                VidurProfile v when v.Kind == "mlp" => Dense(Kernels("fp16"), v.Shape!, op, tpAxis: true),
                VidurProfile v when v.Kind == "attention" => VidurAttention(v, op),
                VidurProfile v => Network(new RooflineKernels(hardware, "fp16", _p), v.Kind, hardware),
                LlmServingSimProfile l when model is not null => LlmServingSim(l, op),
                LlmServingSimV0Profile v0 when v0.Attention is not null && table.Name.StartsWith("attention.csv", StringComparison.Ordinal) =>
                    VidurAttention(v0.Attention, op),
                LlmServingSimV0Profile when model is not null => Dense(Kernels(model.DType), model, op, tpAxis: true),
                AIConfiguratorProfile a => AIConfigurator(a, op),
                _ => null,
            };
            if (f is null) reason = model is null && profile is LlmServingSimProfile or LlmServingSimV0Profile
                ? "model unknown (--model)" : $"no roofline for operator '{op}'";
            return f;
        }
        catch (ArgumentException e)
        {
            reason = e.Message;
            return null;
        }
    }

    private IOperatorKernels Kernels(string dtype) => kernels is null ? new RooflineKernels(hardware!, dtype, _p) : kernels(hardware!, dtype);

    /// <summary>
    /// <paramref name="count"/> prefills of one shape. The roofline's published figures time them as that many
    /// kernels; the GPU model runs them as one kernel, as the measured benchmarks do (more CTAs, fewer idle SMs).
    /// </summary>
    private static double Batched(IOperatorKernels k, ModelSpec m, double tp, double count, double chunk, double kv, double b) =>
        k is RooflineKernels ? count * Attention(k, m, tp, chunk, kv, 0, 0, b)
            : k.Attention(AttentionShape.Of(m.NumHeads / tp, m.NumKvHeads / tp, m.HeadDim, b, b, count, chunk, kv, 0, 0));

    /// <summary>Per-layer operators by name (Vidur's, LLMServingSim's and LLMServingSim v0's spellings); keys end in (…, tokens), TP first.</summary>
    private Func<double[], double>? Dense(IOperatorKernels k, ModelSpec m, string op, bool tpAxis, int fixedTp = 1)
    {
        double h = m.HiddenSize, d = m.HeadDim, b = DTypes.Bytes(m.DType), inter = m.IntermediateSize;
        double H = m.NumHeads, Hkv = m.NumKvHeads, vocab = m.VocabSize;
        double Tp(double[] x) => tpAxis ? x[0] : fixedTp;
        Func<double[], double> T = x => x[^1];
        return op switch
        {
            "attn_pre_proj" or "qkv_proj" => x => k.Gemm(T(x), (H + 2 * Hkv) * d / Tp(x), h),
            "q_proj" => x => k.Gemm(T(x), H * d / Tp(x), h),
            "k_proj" or "v_proj" => x => k.Gemm(T(x), Hkv * d / Tp(x), h),
            "attn_post_proj" or "o_proj" => x => k.Gemm(T(x), h, H * d / Tp(x)),
            "mlp_up_proj" or "gate_up_proj" => x => k.Gemm(T(x), 2 * inter / Tp(x), h),
            "gate_proj" or "up_proj" => x => k.Gemm(T(x), inter / Tp(x), h),
            "mlp_down_proj" or "down_proj" => x => k.Gemm(T(x), h, inter / Tp(x)),
            "lm_head" => x => k.Gemm(T(x), vocab / Tp(x), h),
            // Memory-bound kernels: bytes read plus written. vLLM's fused add+RMSNorm reads and writes the residual too.
            "input_layernorm" or "post_attention_layernorm" or "post_layernorm" => x => k.Elementwise(2 * T(x) * h * b, T(x), Gpu.RowKernelLaunch.Threads),
            "emb" or "embedding" => x => k.Elementwise(2 * T(x) * h * b, T(x)),
            "layernorm" or "final_layernorm" => x => k.Elementwise(4 * T(x) * h * b, T(x), Gpu.RowKernelLaunch.FusedAddRmsNormThreads(T(x), h)),
            "attn_rope" or "rotary_emb" or "rope" => x => k.Elementwise(2 * T(x) * (H + Hkv) * d / Tp(x) * b, T(x), Gpu.RowKernelLaunch.RotaryThreads(H / Tp(x), d)),
            "mlp_act" or "act_fn" => x => k.Elementwise(3 * T(x) * inter / Tp(x) * b, T(x), Gpu.RowKernelLaunch.Threads),
            "add" => x => k.Elementwise(3 * T(x) * h * b, T(x)),
            "attn" => x => Attention(k, m, Tp(x), T(x), 0, 0, 0, b),
            "gate" when m.IsMoe => x => k.Gemm(T(x), m.NumExperts, h),
            _ => null,
        };
    }

    /// <summary>One layer's attention on one rank: one chunk after <paramref name="kvPrefill"/> cached tokens and <paramref name="decodes"/> decodes at <paramref name="kvDecode"/>.</summary>
    private static double Attention(IOperatorKernels k, ModelSpec m, double tp, double chunk, double kvPrefill, double decodes, double kvDecode, double b) =>
        k.Attention(AttentionShape.Of(m.NumHeads / tp, m.NumKvHeads / tp, m.HeadDim, b, b, 1, chunk, kvPrefill, decodes, kvDecode));

    private Func<double[], double>? VidurAttention(VidurProfile v, string op)
    {
        var k = Kernels("fp16");
        var m = v.Shape!;
        double tp = v.TensorParallel;
        return op switch
        {
            // (batch, chunk, kv): batch prefills of one chunk each after kv cached tokens.
            "attn_prefill" => x => Batched(k, m, tp, x[0], x[1], x[2], 2),
            // The GPU model reads the legacy sweep's batch-total keys as they were run; the roofline keeps its published mapping.
            "attn_decode" when v.DecodeKvIsBatchTotal && k is Gpu.GpuKernels => x => Attention(k, m, tp, 0, 0, x[0], Math.Floor(x[1] / x[0]), 2),
            "attn_decode" => x => Attention(k, m, tp, 0, 0, x[0], x[1], 2),
            _ => null,
        };
    }

    private Func<double[], double>? Network(RooflineKernels k, string kind, HardwareSpec hw)
    {
        // (workers, devices per node, fp16 elements); fewer devices per node than workers means crossing nodes.
        LinkSpec Link(double[] x) => x[1] < x[0] && hw.InterNode is not null ? hw.InterNode : hw.IntraNodeLink;
        return kind switch
        {
            "all_reduce" => x => k.AllReduce(2 * x[2], (int)x[0], Link(x)),
            "send_recv" => x => k.SendRecv(2 * x[2], x[1] < 2 && hw.InterNode is not null ? hw.InterNode : hw.IntraNodeLink),
            _ => null,
        };
    }

    /// <summary>vLLM's KV-cache write for <paramref name="tokens"/> new tokens: K and V read at 16 bits, written at <paramref name="kvBytes"/>.</summary>
    private static double CacheWrite(IOperatorKernels k, double kvHeads, double headDim, double tokens, double kvBytes) =>
        k.Elementwise(tokens * 2 * kvHeads * headDim * (2 + kvBytes), tokens);

    private Func<double[], double>? LlmServingSim(LlmServingSimProfile l, string op)
    {
        var k = Kernels(model!.DType);
        double tp = l.TensorParallel, b = model.DTypeBytes, vocab = model.VocabSize;
        if (op == "attention.csv")
        {
            if (k is RooflineKernels) return x => Attention(k, model, tp, x[0], x[1], x[2], x[3], b);
            // LLMServingSim times vLLM's attention layer, which writes the step's new K and V into the cache first.
            double kvRow = 2.0 * Math.Max(1, model.NumKvHeads / tp) * model.HeadDim * b;
            return x => Attention(k, model, tp, x[0], x[1], x[2], x[3], b) + k.Elementwise((x[0] + x[2]) * 2 * kvRow, x[0] + x[2]);
        }
        // The sampler reads each row's fp32 logits over this rank's share of the vocabulary.
        if (op == "sampler") return x => k.Elementwise(x[0] * vocab / tp * 4, x[0]);
        return Dense(k, model, op, tpAxis: false, fixedTp: l.TensorParallel);
    }

    private Func<double[], double>? AIConfigurator(AIConfiguratorProfile a, string group)
    {
        var parts = group.Split('/');
        // Table names end in the dtype; attention tables are named attention-dtype/KV-dtype. NCCL spells fp16 "half".
        bool attention = a.Kind is "context_attention" or "generation_attention";
        var k = Kernels(attention ? parts[0] : parts[^1]);
        double b = DTypes.Bytes(attention ? parts[1] : parts[^1]);
        var link = hardware!.IntraNodeLink;
        var roofline = a.Kind is "nccl" or "custom_allreduce" ? new RooflineKernels(hardware, parts[^1], _p) : null; // collectives: the scorer of the GPU model takes them from Communication/
        switch (a.Kind)
        {
            // A row times vLLM's RowParallelLinear.forward run eagerly: a W8A8 layer quantises its input in a kernel of
            // its own first (no compile pass to fuse it away). The roofline's published figures leave it out.
            case "gemm" when k is Gpu.GpuKernels g: return x => g.Gemm(x[2], x[0], x[1]) + g.ActivationQuant(x[2], x[1]);
            case "gemm": return x => k.Gemm(x[2], x[0], x[1]);
            // AIConfigurator times vLLM's FlashAttentionImpl.forward replayed as a CUDA graph, which first writes the
            // new tokens' K and V into the paged cache (reshape_and_cache_flash: read 16-bit, write the cache dtype).
            // The roofline's published figures leave that kernel out.
            case "context_attention":
                if (k is RooflineKernels) return x => Batched(k, Heads(x), 1, x[3], x[4], 0, b);
                return x => Batched(k, Heads(x), 1, x[3], x[4], 0, b) + CacheWrite(k, x[0], x[2], x[3] * x[4], b);
            case "generation_attention":
                if (k is RooflineKernels) return x => Attention(k, Heads(x), 1, 0, 0, x[3], x[4] + x[5], b);
                return x => Attention(k, Heads(x), 1, 0, 0, x[3], x[4] + x[5], b) + CacheWrite(k, x[0], x[2], x[3], b);
            case "custom_allreduce":
                return x => roofline!.AllReduce(x[1] * b, (int)x[0], link);
            case "nccl":
                return parts[0] switch
                {
                    "all_reduce" => x => roofline!.AllReduce(x[1] * b, (int)x[0], link),
                    // Ring all-gather and reduce-scatter move (p−1)/p of the data over each link, half an all-reduce.
                    "all_gather" or "reduce_scatter" => x => link.LatencySeconds + (x[0] - 1) / x[0] * x[1] * b / (link.BandwidthBytesPerSecond * _p.LinkEfficiency),
                    _ => null,
                };
            default: return null;
        }

        static ModelSpec Heads(double[] x) => new()
        {
            Name = "aiconfigurator", NumLayers = 1, NumKvHeads = (int)x[0], NumHeads = (int)x[1], HeadDim = (int)x[2],
            HiddenSize = (int)(x[1] * x[2]), IntermediateSize = 0, VocabSize = 0,
        };
    }
}
