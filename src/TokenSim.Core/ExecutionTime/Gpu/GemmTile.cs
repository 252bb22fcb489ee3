namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// A threadblock tile of a tensor-core GEMM: <see cref="M"/> × <see cref="N"/> outputs, advancing
/// <see cref="KBytes"/> bytes of K per main-loop iteration (64 half-precision elements, 128 FP8, 256 FP4: the same
/// shared-memory row).
/// </summary>
public readonly record struct GemmTile(int M, int N, int KBytes = 128)
{
    /// <summary>
    /// The candidates, as CUTLASS's generator instantiates them for SM80+ tensor-op GEMMs
    /// (<c>python/cutlass_library/generator.py</c>, <c>GenerateSM80_TensorOp_16816</c>: 256×128, 128×256, 256×64,
    /// 64×256, 128×128, 128×64, 64×128 and 64×64, each with a 64-element K slice of 16-bit data) and cuBLAS's
    /// heuristics pick among.
    /// </summary>
    public static readonly GemmTile[] Candidates =
    [
        new(256, 128), new(128, 256), new(256, 64), new(64, 256),
        new(128, 128), new(128, 64), new(64, 128), new(64, 64),
    ];

    /// <summary>Split-K factors tried when a GEMM has fewer output tiles than SMs (skinny decode shapes).</summary>
    public static readonly int[] SplitK = [1, 2, 3, 4, 6, 8, 12, 16];

    /// <summary>Pipeline stages CUTLASS uses where shared memory allows (3–4 for these tiles), at least two.</summary>
    public const int MaxStages = 4;

    /// <summary>Shared memory of one stage: an M-row and an N-column slice of K.</summary>
    public int StageBytes => (M + N) * KBytes;

    /// <summary>
    /// 32-bit registers a block of this tile holds: its FP32 accumulators (one per output) and as many again for
    /// operand fragments and addresses (CUTLASS's 128×128 tile runs 256 threads at up to 255 registers each).
    /// </summary>
    public int Registers => 2 * M * N;
}
