using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// Fits <see cref="GpuModelParameters"/> to ONE GPU's measured operator tables, so that every other GPU's tables
/// test the model out of sample (<c>validate ops --perf-model gpu --fit-on a100</c>). The objective is the mean
/// over tables of each table's MAPE (every table weighs the same, whatever its grid size), on at most
/// <see cref="PointsPerTable"/> evenly spaced points per table; coordinate descent over a 0.01 grid in [0.2, 1].
/// </summary>
public static class GpuModelFit
{
    public const int PointsPerTable = 200;

    /// <summary>The tables of <paramref name="profiles"/> measured on <paramref name="gpu"/> that the GPU model can predict.</summary>
    public static IReadOnlyList<(IOperatorProfile Profile, ProfileTable Table)> TablesOf(IEnumerable<IOperatorProfile> profiles, HardwareSpec gpu)
    {
        var probe = new GpuOpsScorer(new GpuModelParameters(), Communication.CommCalibration.Default, fitGpu: null);
        var tables = new List<(IOperatorProfile, ProfileTable)>();
        foreach (var p in profiles)
        {
            if (ProfileReader.InferHardware(p.Source, out string? _)?.Name != gpu.Name) continue;
            // Collectives have their own fit (docs/communication.md); only compute kernels constrain these constants.
            if (Communication.CommTables.From(p).Any()) continue;
            foreach (var t in p.Tables)
                if (IsLibraryKernel(t.Name) && probe.MapePct(p, t, out _) is not null) tables.Add((p, t));
        }
        return tables;
    }

    /// <summary>
    /// GEMM and attention tables: cuBLAS and FlashAttention kernels, the same code whichever profiler timed them.
    /// Norms, rotary, activation and embedding are left out of the fit: each profiler times its own implementation
    /// (Vidur's PyTorch ops move their bytes at a third of the rate vLLM's fused CUDA kernels do), so they would fit
    /// the profiler, not the GPU.
    /// </summary>
    public static bool IsLibraryKernel(string table)
    {
        string op = table.Contains(':') ? table[(table.IndexOf(':') + 1)..] : table;
        return TileQuantizedTable.IsGemm(op) || op is "attn" or "attn_prefill" or "attn_decode" or "attention.csv"
            || table.StartsWith("gemm_perf", StringComparison.Ordinal) || table.Contains("attention_perf", StringComparison.Ordinal);
    }

    public static GpuModelParameters Fit(IReadOnlyList<(IOperatorProfile Profile, ProfileTable Table)> tables)
    {
        if (tables.Count == 0) throw new ArgumentException("no measured compute tables of that GPU to fit the GPU model on.");
        var sampled = tables.Select(t => (t.Profile, Sample(t.Table))).ToList();
        double Objective(GpuModelParameters p)
        {
            var scorer = new GpuOpsScorer(p, Communication.CommCalibration.Default);
            return sampled.Average(t => scorer.MapePct(t.Profile, t.Item2, out _) ?? 0);
        }
        var best = new GpuModelParameters();
        double bestScore = Objective(best);
        Func<GpuModelParameters, double, GpuModelParameters>[] setters =
        [
            (p, v) => p with { TensorEfficiency = v },
            (p, v) => p with { MemoryEfficiency = v },
            (p, v) => p with { AttentionEfficiency = v },
        ];
        for (int round = 0; round < 3; round++)
        {
            bool moved = false;
            foreach (var set in setters)
                for (int i = 20; i <= 100; i++)
                {
                    var candidate = set(best, i / 100.0);
                    double score = Objective(candidate);
                    if (score < bestScore - 1e-9) { best = candidate; bestScore = score; moved = true; }
                }
            if (!moved) break;
        }
        return best;
    }

    /// <summary>The table with at most <see cref="PointsPerTable"/> of its points, evenly spaced in its order.</summary>
    private static ProfileTable Sample(ProfileTable t)
    {
        var points = t.Interpolator.Points;
        if (points.Count <= PointsPerTable) return t;
        double step = (double)points.Count / PointsPerTable;
        var kept = Enumerable.Range(0, PointsPerTable).Select(i => points[(int)(i * step)]).ToList();
        return t with { Interpolator = new GridInterpolator(t.Interpolator.Name, t.Interpolator.Axes, kept) };
    }
}
