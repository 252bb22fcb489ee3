using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// One GPU as its kernels see it at one dtype: per-SM tensor rate, achievable DRAM bandwidth, the L2's feed rate
/// per SM, and the launch floor. Built from <see cref="HardwareSpec"/> and its <see cref="GpuMicroarchitecture"/>.
/// </summary>
public sealed class GpuDevice
{
    public GpuDevice(HardwareSpec hardware, string dtype, GpuModelParameters parameters)
    {
        Hardware = hardware;
        Micro = hardware.Microarchitecture ?? throw new ArgumentException(
            $"GPU '{hardware.Name}' has no 'microarchitecture:' block (SM count, L2, shared memory, launch latency), which --perf-model gpu needs; see docs/hardware.md.");
        Parameters = parameters;
        DType = DTypes.Normalize(dtype);
        Bytes = DTypes.WeightBytes(dtype);
        ElementBytes = DType is "fp4" or "int4" ? 0.5 : DTypes.Bytes(dtype);
        Sms = Micro.SmCount;
        // A 4-bit checkpoint on a GPU without 4-bit tensor cores runs weight-only: vLLM's Marlin and Triton MXFP4/INT4
        // kernels dequantise the weights in registers and multiply at 16 bits (W4A16), so the tensor rate is bf16's.
        bool weightOnly = DType is "fp4" or "int4" && !hardware.Flops.ContainsKey(DType);
        SmFlops = hardware.PeakFlops(weightOnly ? "bf16" : dtype) / Sms;
        // FP8/INT8 (W8A8) and NVFP4 on FP4 tensor cores (W4A4) multiply quantised activations; W4A16 and 16-bit do not.
        QuantisesActivations = DType is "fp8" or "int8" || (DType == "fp4" && !weightOnly);
        DramBytesPerSecond = hardware.MemoryBandwidthBytesPerSecond * parameters.MemoryEfficiency;
        L2BytesPerSecondPerSm = Micro.L2BandwidthBytesPerSecond / Sms;
        LaunchSeconds = Micro.KernelLaunchSeconds;
    }

    public HardwareSpec Hardware { get; }
    public GpuMicroarchitecture Micro { get; }
    public GpuModelParameters Parameters { get; }
    public string DType { get; }
    /// <summary>DRAM bytes per element of the GEMM operands, block scales included (NVFP4: 0.5625).</summary>
    public double Bytes { get; }
    /// <summary>Bytes per element as the tensor cores and shared memory see them (FP4: 0.5, scales held apart).</summary>
    public double ElementBytes { get; }
    public int Sms { get; }
    /// <summary>Whether a GEMM at this dtype first quantises its 16-bit input (W8A8, W4A4), a kernel of its own.</summary>
    public bool QuantisesActivations { get; }
    /// <summary>Dense tensor-core FLOP/s of one SM at this dtype (the datasheet peak over the SMs).</summary>
    public double SmFlops { get; }
    /// <summary>DRAM bandwidth a streaming kernel reaches.</summary>
    public double DramBytesPerSecond { get; }
    /// <summary>The most one SM can pull from L2: the aggregate L2 bandwidth shared evenly.</summary>
    public double L2BytesPerSecondPerSm { get; }
    public double LaunchSeconds { get; }

    /// <summary>
    /// Bandwidth a kernel with <paramref name="activeSms"/> busy SMs reaches: each SM's loads come through its share
    /// of the L2, so a kernel of few blocks (a small decode, a one-token norm) cannot reach DRAM's rate.
    /// </summary>
    public double StreamBytesPerSecond(double activeSms) => Math.Min(DramBytesPerSecond, Math.Max(1, Math.Min(activeSms, Sms)) * L2BytesPerSecondPerSm);

    /// <summary>Bandwidth for data already in the L2: the busy SMs' share of it, at the same achieved fraction as DRAM.</summary>
    public double L2StreamBytesPerSecond(double activeSms) => Math.Max(1, Math.Min(activeSms, Sms)) * L2BytesPerSecondPerSm * Parameters.MemoryEfficiency;
}
