namespace TokenSim.Core.ExecutionTime.Gpu;

/// <summary>
/// A tensor-core GEMM as cuBLAS/CUTLASS run it: the output is cut into tiles, one threadblock per tile (times the
/// split-K factor), and the blocks run in waves over the SMs. Each main-loop iteration costs the larger of its MMA
/// time on one SM and the time to feed its A and B slices through that SM's share of the L2. The whole kernel
/// costs the larger of its waves' compute and its DRAM traffic, plus the launch floor. The tile and split-K are
/// those with the least predicted time, as cuBLAS's heuristic aims for. The wave count makes the staircase the
/// measured tables show: one row past a tile boundary adds a row of tiles, and one tile past a full wave adds a wave.
/// </summary>
public sealed class GemmModel(GpuDevice gpu)
{
    /// <summary>The fastest candidate tile and split-K for (m × k)·(k × n), and its time.</summary>
    public double Seconds(double m, double n, double k) => Best(m, n, k).Seconds;

    public (GemmTile Tile, int SplitK, double Seconds) Best(double m, double n, double k)
    {
        if (m <= 0 || n <= 0 || k <= 0) return (default, 1, 0);
        (GemmTile, int, double) best = (default, 1, double.MaxValue);
        foreach (var tile in GemmTile.Candidates)
        {
            if (Stages(tile) < 2) continue;
            double outputTiles = Math.Ceiling(m / tile.M) * Math.Ceiling(n / tile.N);
            foreach (int split in GemmTile.SplitK)
            {
                // Split-K pays only when the output tiles leave SMs idle, and each split needs a few K iterations.
                if (split > 1 && (outputTiles * split > 2 * gpu.Sms || k / split < 4 * KElements(tile))) break;
                double t = Seconds(m, n, k, tile, split);
                if (t < best.Item3) best = (tile, split, t);
            }
        }
        return best;
    }

    /// <summary>The time of one tile and split-K choice (the hand-checkable core of the model).</summary>
    public double Seconds(double m, double n, double k, GemmTile tile, int split)
    {
        double b = gpu.Bytes;
        double kElems = KElements(tile);
        int resident = Resident(tile);
        double blocks = Math.Ceiling(m / tile.M) * Math.Ceiling(n / tile.N) * split;
        double iterations = Math.Ceiling(Math.Ceiling(k / split) / kElems);
        // One iteration on one SM: its MMAs, or its operand slices through the SM's L2 share, whichever is longer.
        double mma = 2.0 * tile.M * tile.N * kElems / (gpu.SmFlops * gpu.Parameters.TensorEfficiency);
        double feed = tile.StageBytes / gpu.L2BytesPerSecondPerSm;
        double perBlock = iterations * Math.Max(mma, feed);
        // Full waves keep `resident` blocks on every SM, sharing its tensor cores; the last wave spreads its remainder.
        double fullWaves = Math.Floor(blocks / (gpu.Sms * resident));
        double rest = blocks - fullWaves * gpu.Sms * resident;
        double compute = perBlock * (fullWaves * resident + Math.Ceiling(rest / gpu.Sms));
        double memory = DramBytes(m, n, k, split) / gpu.DramBytesPerSecond;
        double seconds = Math.Max(compute, memory) + gpu.LaunchSeconds;
        // Split-K partials (FP32) are summed by a second kernel that reads them all and writes the output.
        if (split > 1) seconds += gpu.LaunchSeconds + m * n * (4.0 * split + b) / gpu.DramBytesPerSecond;
        return seconds;
    }

    /// <summary>
    /// DRAM bytes: each operand once and the output once while both operands fit in L2 together; beyond that the
    /// smaller operand is fetched again for every L2-sized slice of the larger one the blocks stream through.
    /// </summary>
    public double DramBytes(double m, double n, double k, int split)
    {
        double b = gpu.Bytes, a = m * k * b, w = n * k * b;
        double passes = Math.Max(1, Math.Ceiling((a + w) / gpu.Micro.L2Bytes));
        return a + w + Math.Min(a, w) * (passes - 1) + (split > 1 ? m * n * 4.0 * split : m * n * b);
    }

    /// <summary>Blocks of <paramref name="tile"/> one SM holds at once: by shared memory (at its stage count) and by registers.</summary>
    public int Resident(GemmTile tile) =>
        Math.Max(1, Math.Min(gpu.Micro.SharedMemoryPerSmBytes / (Stages(tile) * tile.StageBytes), gpu.Micro.RegistersPerSm / tile.Registers));

    /// <summary>Pipeline stages that fit the SM's shared memory, at most <see cref="GemmTile.MaxStages"/>.</summary>
    public int Stages(GemmTile tile) => Math.Min(GemmTile.MaxStages, gpu.Micro.SharedMemoryPerSmBytes / tile.StageBytes);

    private double KElements(GemmTile tile) => tile.KBytes / gpu.ElementBytes;
}
