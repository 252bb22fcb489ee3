namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The kernels a transformer step is made of, timed on one GPU. <see cref="RooflineKernels"/> times each from its
/// FLOPs and bytes alone; <see cref="Gpu.GpuKernels"/> from the GPU's microarchitecture (tiles, waves, SMs, L2).
/// Operator-level validation (<see cref="Profiles.OperatorRoofline"/>) scores either against measured tables.
/// </summary>
public interface IOperatorKernels
{
    /// <summary>An (m × k) · (k × n) GEMM.</summary>
    double Gemm(double m, double n, double k);

    /// <summary>
    /// A memory-bound kernel over <paramref name="rows"/> tokens moving <paramref name="bytes"/> in all; where vLLM
    /// launches one block of <paramref name="threadsPerBlock"/> threads per row, that count, else 0 (the roofline
    /// ignores it).
    /// </summary>
    double Elementwise(double bytes, double rows, int threadsPerBlock = 0);

    /// <summary>One attention kernel over the given prefill chunks and decodes.</summary>
    double Attention(in AttentionShape shape);
}
