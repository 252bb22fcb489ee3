using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// The attention model worked by hand on the GEMM tests' toy GPU (4 SMs of 1 TFLOP/s at 100% efficiency, 1 GHz, so
/// 16·10⁹ exponentials per SM per second; memory and L2 too fast to matter; no launch cost). Four heads of dimension
/// 128, one KV head each. FlashAttention-2's paged tile is 64 × 128: one tile is 4·128·64·128 = 4,194,304 FLOPs
/// (4.194304 µs) and 64·128 = 8,192 exponentials (0.512 µs), 4.706304 µs in all; FlashAttention-3's 128 × 128 tile
/// is 8.388608 µs of matmul, which hides its 1.024 µs of exponentials.
/// </summary>
public class AttentionModelTests
{
    private static readonly GpuModelParameters Ideal = new() { TensorEfficiency = 1, MemoryEfficiency = 1, AttentionEfficiency = 1 };
    private const double Fa2Tile = 4.194304e-6 + 0.512e-6;

    private static GpuKernels Kernels(double computeCapability, double smFlops = 1e12)
    {
        var toy = GemmModelTests.Toy() with { ComputeCapability = computeCapability };
        toy = toy with { Flops = new Dictionary<string, double> { ["bf16"] = 4 * smFlops } };
        return new GpuKernels(toy, "bf16", Ideal);
    }

    private static AttentionShape Prefill(double chunk, double cached = 0) => AttentionShape.Of(4, 4, 128, 2, 2, 1, chunk, cached, 0, 0);

    [Theory]
    [InlineData(8.0)] // A100
    [InlineData(8.9)] // RTX 4090, L40S
    [InlineData(12.0)] // RTX PRO 6000
    public void VllmsPagedFlashAttention2_Uses64x128_OnEveryNonHopperGpu(double cc)
    {
        Assert.Equal(new FlashAttentionTiles(64, 128, false, false), FlashAttentionTiles.For(cc));
        Assert.Equal(new FlashAttentionTiles(128, 128, true, true), FlashAttentionTiles.For(9.0));
    }

    [Fact]
    public void AShortChunk_StillComputesAWholeTile()
    {
        // 16 tokens: one 64-row query tile per head, one 128-key tile; four heads on four SMs, one block each.
        var k = Kernels(8.0);
        Assert.Equal(Fa2Tile, k.Attention(Prefill(16)), 12);
        Assert.Equal(Fa2Tile, k.Attention(Prefill(64)), 12);
        // 65 tokens: a second query tile per head (8 blocks, two per SM), each reading one key tile.
        Assert.Equal(2 * Fa2Tile, k.Attention(Prefill(65)), 12);
        // 16 tokens after 200 cached: keys 0..215, two key tiles for the one query tile.
        Assert.Equal(2 * Fa2Tile, k.Attention(Prefill(16, 200)), 12);
    }

    [Fact]
    public void ADecodeOfFewKeys_StillComputesAWholeKeyTile()
    {
        // One decode at 32 keys: MHA (no GQA folding), one split, a 64-row tile against a 128-key tile per head.
        var k = Kernels(8.0);
        Assert.Equal(Fa2Tile, k.Attention(AttentionShape.Of(4, 4, 128, 2, 2, 0, 0, 0, 1, 32)), 12);
        // FlashAttention-3's decode runs its 128 x 128 tile (tile_size_fwd_sm90: kBlockM 128 at head dimension 128),
        // one per head here, its exponentials hidden: 8.388608 µs.
        Assert.Equal(8.388608e-6, Kernels(9.0).Attention(AttentionShape.Of(4, 4, 128, 2, 2, 0, 0, 0, 1, 32)), 12);
    }

    [Fact]
    public void Softmax_AddsOnFlashAttention2_AndHidesUnderTheMatmulsOnFlashAttention3()
    {
        Assert.Equal(8.388608e-6, Kernels(9.0).Attention(Prefill(16)), 12);
        // With 100x the tensor rate the exponentials dominate: FA3 costs them alone, FA2 them plus the matmuls.
        Assert.Equal(128 * 128 / 16e9, Kernels(9.0, 1e14).Attention(Prefill(16)), 12);
        Assert.Equal(4.194304e-8 + 0.512e-6, Kernels(8.0, 1e14).Attention(Prefill(16)), 12);
    }

    [Fact]
    public void ASlidingWindow_ScalesTheTilesByItsPairs()
    {
        // 256 tokens under a 64-key window: 64·65/2 + 192·64 = 14,368 pairs of the 32,896 causal ones. The causal
        // chunk walks 1 + 1 + 2 + 2 = 6 key tiles per head, 24 over the four heads, 6 per SM; the window keeps
        // 14,368/32,896 of them. The longest block reads 2·14,368/256 + 64 = 176 keys, two tiles, fewer than that.
        var k = Kernels(8.0);
        var windowed = Prefill(256) with { PrefillPairs = 14368 };
        Assert.Equal(6 * Fa2Tile, k.Attention(Prefill(256)), 12);
        Assert.Equal(6 * 14368.0 / 32896 * Fa2Tile, k.Attention(windowed), 12);
    }

    [Fact]
    public void AMixedStepOnFlashAttention2_PaysTheDecodesEmptyQueryTiles()
    {
        // A 256-token chunk (four 64-row query tiles, 1 + 1 + 2 + 2 key tiles per head) and two decodes at 32 keys
        // (one tile per head each): (24 + 8) tiles over 4 SMs = 8 tiles. The grid's query-tile axis is the chunk's 4,
        // so each decode's 4 heads also launch 3 blocks with no rows: 24 blocks, 8 resident at once (2 of 80 KB per
        // 200 KB SM), each holding its slot for one 279-cycle round trip at 1 GHz: 3 · 279 ns.
        var k = Kernels(8.0);
        var mixed = AttentionShape.Of(4, 4, 128, 2, 2, 1, 256, 0, 2, 32);
        Assert.Equal(8 * Fa2Tile + 3 * 279e-9, k.Attention(mixed), 12);
        // FlashAttention-3 schedules only the tiles each sequence has: 128 x 128 tiles, 1 + 2 per head for the chunk
        // and one per decode per KV head, 20 over 4 SMs, its exponentials hidden.
        Assert.Equal(5 * 8.388608e-6, Kernels(9.0).Attention(mixed), 12);
    }

    [Fact]
    public void FlashAttention3_PacksAGqaGroupsHeadsIntoOnePrefillTile()
    {
        // 8 query heads on 2 KV heads (group 4), a 64-token prompt. FlashAttention-3 packs for every varlen call: a
        // 128-row tile holds 32 tokens of the group's 4 heads, so 2 query tiles per KV head, each reading one 128-key
        // tile: 4 tiles of 8.388608 µs over 4 SMs, one each. Unpacked it would be one tile per query head, 8 tiles.
        var toy = GemmModelTests.Toy() with { ComputeCapability = 9.0 };
        var k = new GpuKernels(toy, "bf16", Ideal);
        Assert.Equal(8.388608e-6, k.Attention(AttentionShape.Of(8, 2, 128, 2, 2, 1, 64, 0, 0, 0)), 12);
        // FlashAttention-2 keeps a 64-row tile per query head: 8 tiles, 2 per SM.
        var fa2 = new GpuKernels(toy with { ComputeCapability = 8.0 }, "bf16", Ideal);
        Assert.Equal(2 * Fa2Tile, fa2.Attention(AttentionShape.Of(8, 2, 128, 2, 2, 1, 64, 0, 0, 0)), 12);
    }

    [Fact]
    public void EmptyQueryTiles_OnRtxPro6000_AreARoundTripPerSlot()
    {
        // 128 decodes of 32 heads beside a 1,024-token chunk: 128 · 32 · 15 = 61,440 empty blocks, one 80 KB block per
        // 100 KB SM on 188 SMs, 279 cycles at 2,617 MHz each: 61,440 / 188 · 279 / 2.617e9 = 34.84 µs.
        var hw = HardwareCatalog.Resolve("rtx-pro-6000");
        var model = new AttentionModel(new GpuDevice(hw, "bf16", new GpuModelParameters()), FlashAttentionTiles.For(hw.ComputeCapability));
        Assert.Equal(61440.0 / 188 * 279 / 2.617e9, model.EmptyBlockSeconds(61440, 128), 15);
        Assert.InRange(model.EmptyBlockSeconds(61440, 128), 34.8e-6, 34.9e-6);
    }

    [Theory]
    [InlineData(16, 0, 64, 128, 1)]
    [InlineData(64, 0, 64, 128, 1)]
    [InlineData(256, 0, 64, 128, 1 + 1 + 2 + 2)]
    // Query tiles end at 64, 128, 192, 200 after 100 cached: keys to 164, 228, 292, 300 -> 2 + 2 + 3 + 3.
    [InlineData(200, 100, 64, 128, 10)]
    [InlineData(256, 0, 128, 128, 1 + 2)]
    public void KeyTiles_CountsWholeTilesUpToEachQueryTilesDiagonal(double chunk, double cached, double br, double bc, double expected) =>
        Assert.Equal(expected, AttentionModel.KeyTiles(chunk, cached, br, bc));
}
