namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The roofline's efficiency factors. Each kernel takes max(FLOPs / (peak × compute efficiency),
/// bytes / (bandwidth × memory efficiency)) plus a fixed launch latency. Defaults and where they come from are
/// in docs/execution-time.md; a measured profile can replace them (calibration).
/// </summary>
public sealed record RooflineParameters
{
    /// <summary>Fraction of peak tensor FLOP/s a large dense GEMM reaches (cuBLAS on Ampere/Hopper: 0.6–0.8).</summary>
    public double GemmComputeEfficiency { get; init; } = 0.7;
    /// <summary>Fraction of peak FLOP/s attention kernels (FlashAttention 2/3) reach in prefill.</summary>
    public double AttentionComputeEfficiency { get; init; } = 0.5;
    /// <summary>Fraction of datasheet HBM bandwidth streaming kernels reach; AIConfigurator uses 0.8 (mem_bw_empirical_scaling_factor).</summary>
    public double MemoryEfficiency { get; init; } = 0.8;
    /// <summary>Fraction of link bandwidth a ring all-reduce reaches.</summary>
    public double LinkEfficiency { get; init; } = 0.8;
    /// <summary>Fixed cost per kernel; AIConfigurator's mem_empirical_constant_latency is 3 µs.</summary>
    public double KernelLatencySeconds { get; init; } = 3e-6;
    /// <summary>CPU work per step that does not overlap the GPU: scheduling, input preparation, sampling and output handling.</summary>
    public double StepOverheadSeconds { get; init; } = 1e-3;
}
