using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The operator-level GPU model's kernels at one dtype: GEMMs by tile and wave (<see cref="GemmModel"/>), attention
/// by FlashAttention's tiles (<see cref="AttentionModel"/>), memory-bound kernels with their launch floor
/// (<see cref="ElementwiseModel"/>). Attention reads its KV cache at <paramref name="kvDType"/>: FP8 weights
/// change the GEMMs, not the KV bytes attention streams.
/// </summary>
public sealed class GpuKernels : IOperatorKernels
{
    private readonly GemmModel _gemm;
    private readonly GemmModel _gemm16;
    private readonly AttentionModel _attention;
    private readonly ElementwiseModel _elementwise;

    public GpuKernels(HardwareSpec hardware, string dtype, GpuModelParameters? parameters = null, string? kvDType = null)
    {
        var p = parameters ?? new GpuModelParameters();
        Device = new GpuDevice(hardware, dtype, p);
        // Attention's matmuls run at the KV cache's precision where the GPU has tensor cores for it, else at 16-bit.
        var attentionDevice = new GpuDevice(hardware, DTypes.Bytes(kvDType ?? dtype) >= 2 ? kvDType ?? dtype : "bf16", p);
        _gemm = new GemmModel(Device);
        _gemm16 = DTypes.Bytes(dtype) >= 2 ? _gemm : new GemmModel(new GpuDevice(hardware, "bf16", p));
        _attention = new AttentionModel(attentionDevice, FlashAttentionTiles.For(hardware.ComputeCapability));
        // Memory-bound kernels move 16-bit activations whatever the weights' dtype.
        _elementwise = new ElementwiseModel(attentionDevice);
    }

    public GpuDevice Device { get; }
    public GemmModel GemmModel => _gemm;

    public double Gemm(double m, double n, double k) => _gemm.Seconds(m, n, k);

    /// <summary>
    /// The kernel that quantises a W8A8 or W4A4 GEMM's 16-bit input before it, where it runs on its own: vLLM's FP8
    /// linear method calls <c>ops.scaled_fp8_quant</c> (static per-tensor scale: <c>static_scaled_fp8_quant</c>, one
    /// block per token) and then <c>cutlass_scaled_mm</c>; NVFP4 calls <c>scaled_fp4_quant</c>. It reads the input at
    /// 16 bits and writes it at the GEMM's width (NVFP4 with one FP8 scale per 16 values). Zero for 16-bit and
    /// weight-only GEMMs. <see cref="Gemm"/> leaves it out: in a served step vLLM's compile passes can fuse it into
    /// the norm or activation before (<c>fuse_norm_quant</c>, <c>fuse_act_quant</c>); a measured table of the linear
    /// layer run eagerly (AIConfigurator's) times it.
    /// </summary>
    public double ActivationQuant(double m, double k) =>
        Device.QuantisesActivations && m > 0 && k > 0 ? _elementwise.Seconds(m * k * (2 + Device.Bytes), m) : 0;

    /// <summary>
    /// A GEMM that quantised checkpoints leave at 16 bits: the LM head and the MoE router (ModelOpt's FP8/NVFP4
    /// exports exclude <c>lm_head</c>; Qwen3's FP8 and gpt-oss's MXFP4 configs list <c>lm_head</c> and the router
    /// gates under <c>modules_to_not_convert</c>).
    /// </summary>
    public double Gemm16(double m, double n, double k) => _gemm16.Seconds(m, n, k);

    public double Elementwise(double bytes, double rows, int threadsPerBlock = 0) => _elementwise.Seconds(bytes, rows, threadsPerBlock);

    public double Attention(in AttentionShape shape) => _attention.Seconds(shape);

    /// <summary>
    /// A grouped expert GEMM (fused MoE): <paramref name="experts"/> GEMMs of <paramref name="rowsPerExpert"/> rows in
    /// one launch, so the blocks of all experts share the waves.
    /// </summary>
    public double Grouped(double experts, double rowsPerExpert, double n, double k)
    {
        if (experts <= 0 || rowsPerExpert <= 0) return 0;
        // One launch whose blocks are the experts' tiles side by side: the GEMM of all experts' columns at once.
        return _gemm.Seconds(rowsPerExpert, experts * n, k);
    }
}
