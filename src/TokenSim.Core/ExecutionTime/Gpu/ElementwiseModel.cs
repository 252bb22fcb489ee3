namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// A memory-bound kernel (RMSNorm, rotary, SiLU-and-mul, residual add, KV-cache write, sampler): the launch floor
/// plus its bytes over the bandwidth its blocks can pull.
/// <list type="bullet">
/// <item>vLLM's norm, activation and rotary kernels give each token (row) its own block
/// (<see cref="RowKernelLaunch"/>). While there are fewer rows than SMs each busy SM holds one block, which pulls at
/// most its threads × 16 B per L2 round trip: the time is flat in tokens until the rows fill the SMs, then grows
/// with the bytes.</item>
/// <item>Activations a step passes from kernel to kernel stay in the L2 when they fit: a kernel whose bytes fit the
/// L2 streams at the L2's rate, not DRAM's (Llama-3.1-8B's RMSNorm over 2,048 tokens moves 67 MB in 15.7 µs on RTX
/// PRO 6000, whose 128 MB L2 holds it). A set larger than the L2 streams from DRAM: a scan over more than a cache
/// holds evicts each line before it is read again, so the hits do not grow with the share the L2 could hold.</item>
/// </list>
/// </summary>
public sealed class ElementwiseModel(GpuDevice gpu)
{
    /// <param name="bytes">Bytes read plus written.</param>
    /// <param name="rows">Tokens (rows) the kernel covers.</param>
    /// <param name="threadsPerBlock">
    /// The threads of each row's block where vLLM's launcher is modelled (<see cref="RowKernelLaunch"/>); 0 for a
    /// kernel whose launch is not (PyTorch's embedding gather and sampler ops, the KV-cache write): its busy SMs each
    /// pull their even share of the L2, as before the launch shape was modelled.
    /// </param>
    public double Seconds(double bytes, double rows, int threadsPerBlock = 0)
    {
        if (bytes <= 0) return 0;
        if (threadsPerBlock <= 0)
            return gpu.LaunchSeconds + bytes / (bytes <= gpu.Micro.L2Bytes ? gpu.L2StreamBytesPerSecond(rows) : gpu.StreamBytesPerSecond(rows));
        double perSm = SmBytesPerSecond(rows, threadsPerBlock);
        double activeSms = Math.Clamp(Math.Ceiling(rows), 1, gpu.Sms);
        double l2Rate = Math.Min(gpu.L2StreamBytesPerSecond(gpu.Sms), activeSms * perSm);
        double dramRate = Math.Min(gpu.DramBytesPerSecond, activeSms * perSm);
        return gpu.LaunchSeconds + bytes / (bytes <= gpu.Micro.L2Bytes ? l2Rate : dramRate);
    }

    /// <summary>
    /// What one busy SM pulls: its resident blocks' threads, 16 B each, per L2 round trip. Rows beyond the SMs queue
    /// as further blocks on each SM up to its thread limit.
    /// </summary>
    public double SmBytesPerSecond(double rows, int threadsPerBlock)
    {
        int threads = Math.Max(32, threadsPerBlock);
        double rowsPerSm = Math.Max(1, Math.Ceiling(rows / gpu.Sms));
        double resident = Math.Min(rowsPerSm, Math.Max(1, RowKernelLaunch.MaxThreadsPerSm(gpu.Hardware.ComputeCapability) / threads));
        double roundTrip = RowKernelLaunch.L2HitLatencyCycles / gpu.Micro.BoostClockHz;
        return resident * threads * RowKernelLaunch.BytesInFlightPerThread / roundTrip;
    }
}
