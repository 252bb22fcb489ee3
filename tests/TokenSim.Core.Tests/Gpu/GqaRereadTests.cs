using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// FlashAttention-2's varlen grid runs the query heads of a GQA group one after another, so each head's blocks read
/// the group's KV again, from the L2 only if it still holds it. Worked by hand on a toy GPU: 4 SMs of 200 KB shared
/// memory, so two 80 KB split-KV blocks (64 × 128 tile, head dimension 128) each, 8 resident; a 1 MiB L2; DRAM at
/// 10¹² B/s; tensor cores, special-function units and L2 too fast to matter; no launch cost.
/// </summary>
public class GqaRereadTests
{
    private static readonly GpuModelParameters Ideal = new() { TensorEfficiency = 1, MemoryEfficiency = 1, AttentionEfficiency = 1 };
    private const double MiB = 1 << 20;

    private static HardwareSpec Toy(double cc)
    {
        var toy = GemmModelTests.Toy();
        return toy with
        {
            ComputeCapability = cc, MemoryBandwidthBytesPerSecond = 1e12,
            Flops = new Dictionary<string, double> { ["bf16"] = 4e18 },
            Microarchitecture = toy.Microarchitecture! with { L2Bytes = 1 << 20, BoostClockHz = 1e15 },
        };
    }

    private static AttentionModel Model(double cc = 8.0) =>
        new(new GpuDevice(Toy(cc), "bf16", Ideal), FlashAttentionTiles.For(cc));

    [Fact]
    public void SplitKvBlock_HoldsAQueryAndAKeyAndValueTile()
    {
        var fa2 = FlashAttentionTiles.For(8.0);
        Assert.Equal((64 + 2 * 128) * 128 * 2, fa2.SharedMemoryBytes(128)); // 80 KB
        Assert.Equal(2, fa2.BlocksPerSm(128, 167936)); // A100
        Assert.Equal(1, fa2.BlocksPerSm(128, 102400)); // RTX 4090, RTX PRO 6000
    }

    [Fact]
    public void Rereads_AreTheGroupsHeadsThatMissTheL2()
    {
        var m = Model();
        // A head's KV fits the L2, or there is no group: read once.
        Assert.Equal(1, m.GqaRereads(4, 16, 0.5 * MiB, 128));
        Assert.Equal(1, m.GqaRereads(1, 16, 4 * MiB, 128));
        // 16 blocks a head, 8 resident: no neighbour shares a wave; 4 MiB a head, a quarter of it in the L2. Each of
        // the three later heads misses 3/4 of the time: 1 + 3 · 0.75.
        Assert.Equal(3.25, m.GqaRereads(4, 16, 4 * MiB, 128), 12);
        // 4 blocks a head: half the neighbours run in the same wave and read together.
        Assert.Equal(1 + 3 * 0.5 * 0.75, m.GqaRereads(4, 4, 4 * MiB, 128), 12);
    }

    [Fact]
    public void AMixedKernel_ReadsAGroupsKvOncePerMissingHead_OnlyOnFlashAttention2()
    {
        // Eight query heads on two KV heads (groups of 4), a 1-token chunk and 7 decodes, 8,192 KV tokens in all:
        // 2 · 128 · 2 B · 8,192 = 4 MiB a KV head, 8 MiB once. 8 blocks a head (1 query tile + 7 decodes), 8
        // resident: apart; 3.25 reads (above). Q and O: 2 · 8 tokens · 8 heads · 128 · 2 B = 32,768 B.
        var s = new AttentionShape(8, 2, 128, 2, 2, 1, 1, 1, 1, 7, 8191);
        Assert.Equal((3.25 * 8 * MiB + 32768) / 1e12, Model(8.0).Seconds(s), 15);
        Assert.Equal((8 * MiB + 32768) / 1e12, Model(9.0).Seconds(s), 15);
        // vLLM runs FlashInfer on compute capability 10.x, and FlashInfer for an FP8 KV cache off Hopper: no FA2 grid.
        Assert.Equal((8 * MiB + 32768) / 1e12, Model(10.0).Seconds(s), 15);
        Assert.Equal((4 * MiB + 32768) / 1e12, Model(8.0).Seconds(s with { KvBytes = 1 }), 15);
        // Decode alone folds the group into one tile (no re-reads): 7 decodes, 8,191 keys, Q and O of 7 tokens.
        var decode = s with { PrefillChunks = 0, PrefillTokens = 0, PrefillPairs = 0, PrefillKvRead = 0 };
        Assert.Equal((2 * 2 * 128 * 2 * 8191.0 + 2 * 7 * 8 * 128 * 2) / 1e12, Model(8.0).Seconds(decode), 15);
    }
}
