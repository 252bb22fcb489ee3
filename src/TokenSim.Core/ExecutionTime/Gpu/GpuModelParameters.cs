namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// The GPU model's only fitted constants: what fraction of the hardware's peak each kind of inner loop reaches.
/// Everything else (SMs, tiles, clocks, caches, launch latency) comes from the GPU's description and the kernels'
/// published tile shapes. The defaults were fitted on A100's measured tables alone
/// (<c>tokensim validate ops --profile data/profiles --perf-model gpu --fit-on a100</c>, <see cref="GpuModelFit"/>)
/// and every other GPU is predicted with them; none was fitted to a serving run.
/// </summary>
public sealed record GpuModelParameters
{
    /// <summary>Fraction of an SM's dense tensor-core peak a GEMM main loop reaches (issue slots, pipeline bubbles, clock below boost).</summary>
    public double TensorEfficiency { get; init; } = 0.73;
    /// <summary>Fraction of datasheet DRAM bandwidth a streaming kernel reaches (refresh, row switches, ECC).</summary>
    public double MemoryEfficiency { get; init; } = 0.70;
    /// <summary>Fraction of an SM's tensor peak an attention main loop reaches (softmax, rescaling and masking between its two matmuls).</summary>
    public double AttentionEfficiency { get; init; } = 0.56;

    /// <summary>The constants by name, for fitting and reports.</summary>
    public IReadOnlyList<(string Name, double Value)> Values =>
        [("tensor_efficiency", TensorEfficiency), ("memory_efficiency", MemoryEfficiency), ("attention_efficiency", AttentionEfficiency)];
}
