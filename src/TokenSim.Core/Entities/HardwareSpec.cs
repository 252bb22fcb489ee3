namespace TokenSim.Core.Entities;

/// <summary>A link between GPUs or nodes: bandwidth per direction and a fixed per-message latency.</summary>
public sealed record LinkSpec(string Name, double BandwidthBytesPerSecond, double LatencySeconds);

/// <summary>
/// One accelerator: peak dense FLOP/s per dtype, memory capacity (bytes as the driver reports it, which is what
/// vLLM multiplies by <c>gpu_memory_utilization</c>) and bandwidth, and its links.
/// </summary>
public sealed record HardwareSpec
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public string Vendor { get; init; } = "";
    public required long MemoryBytes { get; init; }
    public required double MemoryBandwidthBytesPerSecond { get; init; }
    /// <summary>Dense peak FLOP/s by normalized dtype (<see cref="DTypes.Normalize"/>).</summary>
    public required IReadOnlyDictionary<string, double> Flops { get; init; }
    public required LinkSpec IntraNodeLink { get; init; }
    public LinkSpec? Pcie { get; init; }
    public LinkSpec? InterNode { get; init; }
    public int GpusPerNode { get; init; } = 8;
    /// <summary>
    /// CUDA compute capability (8.0 A100, 9.0 H100, 12.0 RTX PRO 6000); 0 when not an NVIDIA GPU. NCCL's protocol
    /// limits and ring speeds, and vLLM's choice of kernels, depend on it.
    /// </summary>
    public double ComputeCapability { get; init; }
    /// <summary>
    /// Whether two of these GPUs can read and write each other's memory directly (CUDA peer-to-peer). GeForce drivers
    /// refuse it, so NCCL stages GPU-to-GPU traffic through host memory and vLLM's custom all-reduce is off.
    /// </summary>
    public bool PeerToPeer { get; init; } = true;
    /// <summary>SMs, clocks, caches and launch latency for the operator-level GPU model; null when the file gives none.</summary>
    public GpuMicroarchitecture? Microarchitecture { get; init; }
    /// <summary>Power limit, static power and DRAM energy for the energy model; null when the file gives none.</summary>
    public GpuPower? Power { get; init; }

    /// <summary>Peak FLOP/s for <paramref name="dtype"/>; fp16 and bf16 stand in for each other, and 8-bit falls back to 16-bit.</summary>
    public double PeakFlops(string dtype)
    {
        var d = DTypes.Normalize(dtype);
        if (Flops.TryGetValue(d, out var f)) return f;
        string[] fallbacks = d switch
        {
            "bf16" => ["fp16"],
            "fp16" => ["bf16"],
            "fp8" or "int8" or "int4" or "fp4" => ["fp8", "int8", "bf16", "fp16"],
            _ => ["bf16", "fp16"],
        };
        foreach (var fb in fallbacks)
            if (Flops.TryGetValue(fb, out f)) return f;
        throw new InvalidOperationException($"Hardware '{Name}' gives no FLOP/s for {dtype} or a substitute.");
    }

    /// <summary>
    /// vLLM's "big device" test for batch defaults: at least 70 GiB and not an A100 (<c>get_batch_defaults</c>).
    /// </summary>
    public bool IsBigDevice =>
        MemoryBytes >= 70L * 1024 * 1024 * 1024 &&
        !Name.Contains("a100", StringComparison.OrdinalIgnoreCase);
}
