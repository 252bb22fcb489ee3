namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The launch shape of vLLM's one-block-per-token kernels: <c>dim3 grid(num_tokens)</c> and the threads per block
/// each kernel's launcher picks (vLLM <c>csrc/</c>). A row's block keeps <see cref="BytesInFlightPerThread"/> bytes
/// per thread in flight, so an SM running few rows pulls at most its blocks' threads × 16 B per L2 round trip
/// (Little's law), whatever the L2 could deliver.
/// </summary>
public static class RowKernelLaunch
{
    /// <summary>
    /// <c>rms_norm</c> (<c>dim3 block(std::min(hidden_size, 1024))</c>) and <c>act_and_mul_kernel</c>
    /// (<c>std::min(d, 1024)</c>), for the hidden and intermediate sizes of every catalog model (all above 1,024).
    /// </summary>
    public const int Threads = 1024;

    /// <summary><c>rotary_embedding</c>: <c>dim3 block(std::min(num_heads * rot_dim / 2, 512))</c>.</summary>
    public static int RotaryThreads(double heads, double rotaryDim) => (int)Math.Clamp(heads * rotaryDim / 2, 32, 512);

    /// <summary>
    /// <c>fused_add_rms_norm</c>: <c>max_block_size = (num_tokens &lt; 256) ? 1024 : 256</c>, "a smaller block size
    /// allows for increased block occupancy … and better latency hiding" at large token counts.
    /// </summary>
    public static int FusedAddRmsNormThreads(double tokens, double hidden) => (int)Math.Min(hidden, tokens < 256 ? 1024 : 256);

    /// <summary>One 128-bit load per thread outstanding: vLLM's vectorised norm kernels load 8 × 16-bit at once.</summary>
    public const double BytesInFlightPerThread = 16;

    /// <summary>
    /// Cycles an L2 hit takes to come back: the single figure usually quoted for an L40 (AD102), whose 142 SMs measure
    /// 222–339 cycles each with a pointer-chasing probe (arXiv 2606.22588, "Non-Uniform L2 Cache Latency Across the
    /// Streaming Multiprocessors of an NVIDIA L40"). ASSUMPTION for the other GPUs: no per-GPU figure is in the catalog.
    /// </summary>
    public const double L2HitLatencyCycles = 279;

    /// <summary>Threads one SM holds (CUDA C++ Programming Guide, "maximum number of resident threads per SM"): 1,536 on 8.6, 8.9 and 12.x, else 2,048.</summary>
    public static int MaxThreadsPerSm(double computeCapability) => computeCapability is (>= 8.6 and < 9.0) or >= 12.0 ? 1536 : 2048;
}
