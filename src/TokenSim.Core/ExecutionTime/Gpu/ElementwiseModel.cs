namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// A memory-bound kernel (RMSNorm, rotary, SiLU-and-mul, residual add, KV-cache write, sampler): the launch floor
/// plus its bytes over the bandwidth its blocks can pull. vLLM's norm, activation and rotary kernels give each
/// token (row) its own block, so a step of a few tokens keeps a few SMs busy and cannot reach DRAM's rate.
/// </summary>
public sealed class ElementwiseModel(GpuDevice gpu)
{
    public double Seconds(double bytes, double rows) =>
        bytes <= 0 ? 0 : gpu.LaunchSeconds + bytes / gpu.StreamBytesPerSecond(rows);
}
