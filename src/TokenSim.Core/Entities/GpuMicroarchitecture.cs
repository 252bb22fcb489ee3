namespace TokenSim.Core.Entities;

/// <summary>
/// What the operator-level GPU model (<c>--perf-model gpu</c>) needs beyond a GPU's peak rates: how many SMs share
/// the work (wave quantisation), how much on-chip memory a tile may use (tile selection), how fast the L2 feeds the
/// SMs, and what a kernel launch costs. Read from the <c>microarchitecture:</c> block of <c>data/hardware/gpus.yaml</c>,
/// where every figure cites its datasheet or whitepaper. Tensor-core throughput per SM is the GPU's dense peak per
/// dtype (<see cref="HardwareSpec.Flops"/>) divided by <see cref="SmCount"/>.
/// </summary>
public sealed record GpuMicroarchitecture
{
    /// <summary>Streaming multiprocessors (AMD: compute units).</summary>
    public required int SmCount { get; init; }
    /// <summary>The boost clock the datasheet's peak rates assume.</summary>
    public required double BoostClockHz { get; init; }
    public double BaseClockHz { get; init; }
    /// <summary>Last-level on-chip cache (L2; AMD MI300X: its L2s, the Infinity Cache excluded).</summary>
    public required long L2Bytes { get; init; }
    /// <summary>Aggregate L2-to-SM bandwidth.</summary>
    public required double L2BandwidthBytesPerSecond { get; init; }
    /// <summary>The most shared memory (AMD: LDS) one SM can give its resident blocks.</summary>
    public required int SharedMemoryPerSmBytes { get; init; }
    /// <summary>32-bit registers per SM.</summary>
    public required int RegistersPerSm { get; init; }
    /// <summary>GPU-side time from one kernel's end to the next one's first instruction, the floor of every kernel.</summary>
    public required double KernelLaunchSeconds { get; init; }
    /// <summary>NVLink links per GPU (0 for PCIe-only cards).</summary>
    public int NvLinkLinks { get; init; }
}
