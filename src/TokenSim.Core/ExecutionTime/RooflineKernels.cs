using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Roofline times of the kernels a transformer step is made of, on one GPU with the given efficiency factors.
/// Each takes max(FLOPs / (peak × compute efficiency), bytes / (bandwidth × memory efficiency)) plus a launch latency.
/// <see cref="RooflineExecutionTimeModel"/> composes them into a step; operator-level validation compares each
/// against measured kernel tables.
/// </summary>
public sealed class RooflineKernels(HardwareSpec hardware, string dtype, RooflineParameters parameters) : IOperatorKernels
{
    private readonly double _flops = hardware.PeakFlops(dtype);
    private readonly double _bw = hardware.MemoryBandwidthBytesPerSecond;
    private readonly int _bytes = DTypes.Bytes(dtype);

    public RooflineParameters Parameters => parameters;
    public HardwareSpec Hardware => hardware;

    /// <summary>An (m × k) · (k × n) GEMM: reads both operands, writes the result.</summary>
    public double Gemm(double m, double n, double k)
    {
        double flops = GemmFlops(m, n, k);
        double bytes = GemmBytes(m, n, k, _bytes);
        return Math.Max(flops / (_flops * parameters.GemmComputeEfficiency), bytes / (_bw * parameters.MemoryEfficiency)) + parameters.KernelLatencySeconds;
    }

    /// <summary>A memory-bound kernel (norm, activation, rotary, residual add) moving <paramref name="bytes"/>.</summary>
    public double Elementwise(double bytes) => bytes / (_bw * parameters.MemoryEfficiency) + parameters.KernelLatencySeconds;

    /// <inheritdoc/>
    public double Elementwise(double bytes, double rows, int threadsPerBlock = 0) => Elementwise(bytes);

    /// <summary>Attention from its causal query×key FLOPs and the KV, Q and O bytes it moves.</summary>
    public double Attention(in AttentionShape s) => Attention(AttentionFlops(s), AttentionBytes(s));

    // The work counts are shared with the energy model (Energy.StepWork), so time and energy see the same operators.

    /// <summary>An (m × k) · (k × n) GEMM's multiply-adds, two FLOPs each.</summary>
    public static double GemmFlops(double m, double n, double k) => 2 * m * n * k;

    /// <summary>An (m × k) · (k × n) GEMM's DRAM traffic with no cache reuse: both operands read, the result written.</summary>
    public static double GemmBytes(double m, double n, double k, double elementBytes) => (n * k + m * k + m * n) * elementBytes;

    /// <summary>Attention's causal QK and PV FLOPs.</summary>
    public static double AttentionFlops(in AttentionShape s) => 4 * s.QueryHeads * s.HeadDim * s.Pairs;

    /// <summary>Attention's DRAM traffic: the KV it reads, and Q and O.</summary>
    public static double AttentionBytes(in AttentionShape s) =>
        2 * s.KvHeads * s.HeadDim * s.KvBytes * (s.DecodeContext + s.PrefillKvRead)
        + 2 * (s.PrefillTokens + s.Decodes) * s.QueryHeads * s.HeadDim * s.ActivationBytes;

    /// <summary>
    /// The compute and memory rates and the launch latency <see cref="Attention(double, double)"/> uses, for a loop that
    /// times many steps: max(flops / compute, bytes / memory) + latency is the same double.
    /// </summary>
    internal (double Compute, double Memory, double Latency) AttentionRates =>
        (_flops * parameters.AttentionComputeEfficiency, _bw * parameters.MemoryEfficiency, parameters.KernelLatencySeconds);

    /// <summary>Attention with <paramref name="flops"/> of QK and PV work reading <paramref name="bytes"/> (KV plus Q and O).</summary>
    public double Attention(double flops, double bytes) =>
        Math.Max(flops / (_flops * parameters.AttentionComputeEfficiency), bytes / (_bw * parameters.MemoryEfficiency)) + parameters.KernelLatencySeconds;

    /// <summary>A grouped expert GEMM: <paramref name="flops"/> of work over <paramref name="bytes"/> of expert weights and activations.</summary>
    public double Grouped(double flops, double bytes) =>
        Math.Max(flops / (_flops * parameters.GemmComputeEfficiency), bytes / (_bw * parameters.MemoryEfficiency)) + parameters.KernelLatencySeconds;

    /// <summary>Ring all-reduce of <paramref name="bytes"/> over <paramref name="gpus"/> GPUs: 2(p−1)/p of the data crosses each link.</summary>
    public double AllReduce(double bytes, int gpus, LinkSpec link) => gpus <= 1 ? 0 :
        link.LatencySeconds + 2.0 * (gpus - 1) / gpus * bytes / (link.BandwidthBytesPerSecond * parameters.LinkEfficiency);

    /// <summary>A point-to-point send of <paramref name="bytes"/> (pipeline hand-off).</summary>
    public double SendRecv(double bytes, LinkSpec link) =>
        link.LatencySeconds + bytes / (link.BandwidthBytesPerSecond * parameters.LinkEfficiency);
}
