using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// vLLM's one-block-per-token kernels (RMSNorm, SiLU-and-mul, rotary) worked by hand on a toy GPU: 4 SMs at
/// 2.79 GHz, so an L2 round trip of 279 cycles is 100 ns and one 1,024-thread block keeps 16 KB in flight (163.84 GB/s
/// per SM); L2 1 MB at 10^12 B/s, DRAM 4·10^11 B/s, a 2 µs launch, every efficiency 1.
/// </summary>
public class ElementwiseModelTests
{
    private const double Launch = 2e-6;
    private const double Row = 16384; // bytes one row's block moves
    private const double OneBlockPerSm = 1024 * 16 / 100e-9;
    private const int T = RowKernelLaunch.Threads;

    private static readonly GpuModelParameters Ideal = new() { TensorEfficiency = 1, MemoryEfficiency = 1, AttentionEfficiency = 1 };

    private static ElementwiseModel Toy(double computeCapability = 8.0)
    {
        var toy = GemmModelTests.Toy();
        var hw = toy with
        {
            MemoryBandwidthBytesPerSecond = 4e11,
            ComputeCapability = computeCapability,
            Microarchitecture = toy.Microarchitecture! with
            {
                BoostClockHz = 2.79e9, L2Bytes = 1 << 20, L2BandwidthBytesPerSecond = 1e12, KernelLaunchSeconds = Launch,
            },
        };
        return new ElementwiseModel(new GpuDevice(hw, "bf16", Ideal));
    }

    [Fact]
    public void BelowTheSmCount_TheTimeIsFlat_OneRowsLatencyOverTheLaunch()
    {
        var m = Toy();
        for (int rows = 1; rows <= 4; rows++)
            Assert.Equal(Launch + Row / OneBlockPerSm, m.Seconds(rows * Row, rows, T), 15); // 2.1 µs whatever the rows
    }

    [Fact]
    public void AboveTheSmCount_TheTimeGrowsWithTheBytes_AtTheL2sRate()
    {
        var m = Toy();
        // 8 rows: two 1,024-thread blocks per SM (2,048 threads on 8.0), 4 x 327.68 GB/s > the L2's 10^12 B/s.
        Assert.Equal(Launch + 8 * Row / 1e12, m.Seconds(8 * Row, 8, T), 15);
        Assert.Equal(Launch + 32 * Row / 1e12, m.Seconds(32 * Row, 32, T), 15);
        Assert.Equal(4 * (m.Seconds(8 * Row, 8, T) - Launch), m.Seconds(32 * Row, 32, T) - Launch, 15);
    }

    [Fact]
    public void MoreBytesThanTheL2Holds_StreamFromDram()
    {
        // 128 rows, 2 MB: more than the 1 MB L2, so DRAM's 4·10^11 B/s: 5.24 µs.
        Assert.Equal(Launch + 128 * Row / 4e11, Toy().Seconds(128 * Row, 128, T), 15);
    }

    [Fact]
    public void ASmallerBlock_KeepsLessInFlight_WhileTheRowsDoNotFillTheSms()
    {
        var m = Toy();
        // One 256-thread block: 4 KB per 100 ns round trip, four times the 1,024-thread block's time for the row.
        Assert.Equal(Launch + Row / (256 * 16 / 100e-9), m.Seconds(Row, 1, 256), 15);
        Assert.Equal(OneBlockPerSm / 4, m.SmBytesPerSecond(1, 256), 3);
        // Many rows: eight 256-thread blocks fit an SM of 2,048 threads, as many bytes in flight as two of 1,024.
        Assert.Equal(m.SmBytesPerSecond(64, 1024), m.SmBytesPerSecond(64, 256), 3);
        // 1,536 threads per SM on 8.9: one 1,024-thread block, but six of 256.
        var ada = Toy(8.9);
        Assert.Equal(OneBlockPerSm, ada.SmBytesPerSecond(64, 1024), 3);
        Assert.Equal(6 * OneBlockPerSm / 4, ada.SmBytesPerSecond(64, 256), 3);
    }

    [Fact]
    public void AKernelWhoseLaunchIsNotModelled_GetsItsSmsEvenShareOfTheL2()
    {
        // threadsPerBlock 0 (PyTorch's sampler and embedding ops): one row on one of the 4 SMs pulls a quarter of the
        // L2's 10^12 B/s, so 16 KB take 65.5 ns; four rows the whole L2.
        var m = Toy();
        Assert.Equal(Launch + Row / 0.25e12, m.Seconds(Row, 1), 15);
        Assert.Equal(Launch + 4 * Row / 1e12, m.Seconds(4 * Row, 4), 15);
    }

    [Theory]
    [InlineData(1, 4096, 1024)]
    [InlineData(255, 4096, 1024)]
    [InlineData(256, 4096, 256)] // vLLM: max_block_size = (num_tokens < 256) ? 1024 : 256
    [InlineData(2048, 5120, 256)]
    [InlineData(1, 512, 512)] // min(hidden_size, 1024)
    public void FusedAddRmsNorm_TakesVllmsBlockSize(double tokens, double hidden, int threads) =>
        Assert.Equal(threads, RowKernelLaunch.FusedAddRmsNormThreads(tokens, hidden));

    [Theory]
    [InlineData(32, 128, 512)] // min(num_heads * rot_dim / 2, 512)
    [InlineData(4, 128, 256)]
    [InlineData(2, 64, 64)]
    public void Rotary_TakesVllmsBlockSize(double heads, double rotaryDim, int threads) =>
        Assert.Equal(threads, RowKernelLaunch.RotaryThreads(heads, rotaryDim));

    [Theory]
    [InlineData(8.0, 2048)]
    [InlineData(8.6, 1536)]
    [InlineData(8.9, 1536)]
    [InlineData(9.0, 2048)]
    [InlineData(10.0, 2048)]
    [InlineData(12.0, 1536)]
    public void ResidentThreadsPerSm_AreTheProgrammingGuidesFigures(double cc, int threads) =>
        Assert.Equal(threads, RowKernelLaunch.MaxThreadsPerSm(cc));

    [Fact]
    public void OnRtx4090_DoublingDram_SpeedsABigActivation_AndNotADecodeNorm()
    {
        var gpu = HardwareCatalog.Resolve("rtx-4090");
        var fast = gpu with { MemoryBandwidthBytesPerSecond = 2 * gpu.MemoryBandwidthBytesPerSecond };
        ElementwiseModel On(HardwareSpec h) => new(new GpuDevice(h, "bf16", new GpuModelParameters()));
        // Llama-3.1-8B: an RMSNorm of 8 decode tokens (256 KB) is launch- and latency-bound; SiLU-and-mul over 4,096
        // tokens moves 352 MB, more than the 72 MB L2, from DRAM.
        double norm = 4 * 8 * 4096 * 2, act = 3 * 4096 * 14336 * 2;
        Assert.Equal(On(gpu).Seconds(norm, 8, T), On(fast).Seconds(norm, 8, T), 15);
        double ratio = (On(fast).Seconds(act, 4096, T) - gpu.Microarchitecture!.KernelLaunchSeconds) / (On(gpu).Seconds(act, 4096, T) - gpu.Microarchitecture.KernelLaunchSeconds);
        Assert.Equal(0.5, ratio, 2);
    }
}
