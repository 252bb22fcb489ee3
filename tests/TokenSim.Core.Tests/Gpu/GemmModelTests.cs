using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// The GEMM model worked by hand on a toy GPU whose memory and L2 are too fast to matter: 4 SMs of 1 TFLOP/s each
/// at 100% efficiency, no launch cost. A 128×128 block over K = 1,024 runs 16 iterations of 2·128·128·64 FLOPs,
/// 33.554432 µs; blocks beyond the 4 SMs take another wave.
/// </summary>
public class GemmModelTests
{
    private static readonly GpuModelParameters Ideal = new() { TensorEfficiency = 1, MemoryEfficiency = 1, AttentionEfficiency = 1 };

    internal static HardwareSpec Toy(int sms = 4) => new()
    {
        Name = "toy", MemoryBytes = 1L << 34, MemoryBandwidthBytesPerSecond = 1e18,
        Flops = new Dictionary<string, double> { ["bf16"] = sms * 1e12 },
        IntraNodeLink = new LinkSpec("pcie", 1e10, 1e-5),
        Microarchitecture = new GpuMicroarchitecture
        {
            SmCount = sms, BoostClockHz = 1e9, L2Bytes = 1L << 30, L2BandwidthBytesPerSecond = 1e18,
            SharedMemoryPerSmBytes = 200 * 1024, RegistersPerSm = 65536, KernelLaunchSeconds = 0,
        },
    };

    private static GemmModel Model(int sms = 4) => new(new GpuDevice(Toy(sms), "bf16", Ideal));
    private const double OneBlock = 2.0 * 128 * 128 * 1024 / 1e12;
    private static readonly GemmTile Square = new(128, 128);

    [Fact]
    public void OneWave_CostsOneBlock_WhateverTheBlockCount()
    {
        var g = Model();
        for (int blocks = 1; blocks <= 4; blocks++)
            Assert.Equal(OneBlock, g.Seconds(128, 128 * blocks, 1024, Square, 1), 12);
    }

    [Fact]
    public void WaveQuantisation_IsAStaircase()
    {
        var g = Model();
        // 5 to 8 blocks: two waves; 9: three. The time steps at each multiple of the SM count, flat in between.
        Assert.Equal(2 * OneBlock, g.Seconds(128, 128 * 5, 1024, Square, 1), 12);
        Assert.Equal(2 * OneBlock, g.Seconds(128, 128 * 8, 1024, Square, 1), 12);
        Assert.Equal(3 * OneBlock, g.Seconds(128, 128 * 9, 1024, Square, 1), 12);
        // One row past the tile (m = 129) adds a row of tiles: 3 column tiles become 6 blocks, two waves.
        Assert.Equal(OneBlock, g.Seconds(128, 128 * 3, 1024, Square, 1), 12);
        Assert.Equal(2 * OneBlock, g.Seconds(129, 128 * 3, 1024, Square, 1), 12);
    }

    [Fact]
    public void Best_IsNoSlowerThanAnyCandidate_AndTwiceTheSmsHalveALargeGemm()
    {
        var g = Model();
        var (tile, split, t) = g.Best(1024, 1024, 1024);
        foreach (var c in GemmTile.Candidates)
            if (g.Stages(c) >= 2) Assert.True(t <= g.Seconds(1024, 1024, 1024, c, 1) + 1e-15);
        // 1024×1024 is 64 blocks of 128×128: 16 waves on 4 SMs, 8 on 8; the ideal time is 2·1024³ / peak either way.
        Assert.Equal(2.0 * 1024 * 1024 * 1024 / 4e12, t, 9);
        Assert.Equal(t / 2, Model(8).Seconds(1024, 1024, 1024), 9);
        Assert.Equal(1, split);
        Assert.True(tile.M * tile.N >= 64 * 64);
    }

    [Fact]
    public void SkinnyShapes_SplitK()
    {
        // One token against a 128-column slice of 8,192: at most 2 output tiles for 4 SMs; splitting K fills them.
        var g = Model();
        var (_, split, t) = g.Best(1, 128, 8192);
        Assert.True(split > 1);
        Assert.True(t < g.Seconds(1, 128, 8192, new GemmTile(64, 64), 1));
    }
}
