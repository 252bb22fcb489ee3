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
        double flops = 2 * m * n * k;
        double bytes = (n * k + m * k + m * n) * _bytes;
        return Math.Max(flops / (_flops * parameters.GemmComputeEfficiency), bytes / (_bw * parameters.MemoryEfficiency)) + parameters.KernelLatencySeconds;
    }

    /// <summary>A memory-bound kernel (norm, activation, rotary, residual add) moving <paramref name="bytes"/>.</summary>
    public double Elementwise(double bytes) => bytes / (_bw * parameters.MemoryEfficiency) + parameters.KernelLatencySeconds;

    /// <inheritdoc/>
    public double Elementwise(double bytes, double rows) => Elementwise(bytes);

    /// <summary>Attention from its causal query×key FLOPs and the KV, Q and O bytes it moves.</summary>
    public double Attention(in AttentionShape s)
    {
        double flops = 4 * s.QueryHeads * s.HeadDim * s.Pairs;
        double kvBytes = 2 * s.KvHeads * s.HeadDim * s.KvBytes * (s.DecodeContext + s.PrefillKvRead);
        double qoBytes = 2 * (s.PrefillTokens + s.Decodes) * s.QueryHeads * s.HeadDim * s.ActivationBytes;
        return Attention(flops, kvBytes + qoBytes);
    }

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
