namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// A memory-bound kernel (RMSNorm, rotary, SiLU-and-mul, residual add, KV-cache write, sampler): the launch floor
/// plus its bytes over the bandwidth its blocks can pull.
/// <list type="bullet">
/// <item>vLLM's norm, activation and rotary kernels give each token (row) its own block, so a step of a few tokens
/// keeps a few SMs busy and cannot reach the memory's full rate.</item>
/// <item>Activations a step passes from kernel to kernel stay in the L2 when they fit: a kernel whose bytes fit
/// the L2 streams at the L2's rate, not DRAM's (Llama-3.1-8B's RMSNorm over 2,048 tokens moves 67 MB in 15.7 µs on
/// RTX PRO 6000, whose 128 MB L2 holds it: four times what its DRAM could deliver).</item>
/// </list>
/// </summary>
public sealed class ElementwiseModel(GpuDevice gpu)
{
    public double Seconds(double bytes, double rows)
    {
        if (bytes <= 0) return 0;
        double rate = bytes <= gpu.Micro.L2Bytes ? gpu.L2StreamBytesPerSecond(rows) : gpu.StreamBytesPerSecond(rows);
        return gpu.LaunchSeconds + bytes / rate;
    }
}
