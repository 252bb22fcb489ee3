using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// The legacy LLMServingSim sweep (v0 <c>perf_models</c>, a Vidur-format attention.csv without <c>block_size</c>)
/// records a decode row's <c>kv_cache_size</c> as the keys of the whole batch, integer-divided over its sequences;
/// Vidur's own profiler gives each sequence that many. The GPU model reads each table as it was run.
/// </summary>
public class LegacyDecodeKvMappingTests
{
    private static readonly HardwareSpec H100 = HardwareCatalog.Resolve("h100-sxm");

    private static readonly string Legacy = TestSupport.DataFile(["profiles", "llmservingsim", "v0", "perf_models", "H100", "meta-llama", "Llama-3.1-70B", "tp4", "attention.csv"]);

    private static Func<double[], double> Decode()
    {
        var profile = VidurProfile.Read(Legacy);
        var table = profile.Tables.Single(t => t.Name.EndsWith("attn_decode", StringComparison.Ordinal));
        var ops = new OperatorRoofline(H100, H100.Name, null, kernels: (h, dtype) => new GpuKernels(h, dtype));
        return ops.For(profile, table, out string reason) ?? throw new InvalidOperationException(reason);
    }

    [Fact]
    public void OnlyTheLegacySweepCountsTheBatchsKeys()
    {
        Assert.True(VidurProfile.Read(Legacy).DecodeKvIsBatchTotal);
        var vidur = TestSupport.DataFile(["profiles", "vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv"]);
        Assert.False(VidurProfile.Read(vidur).DecodeKvIsBatchTotal);
    }

    [Fact]
    public void DecodeRow_SplitsTheKeysOverTheBatch()
    {
        var k = new GpuKernels(H100, "fp16");
        // Llama-3.1-70B over TP4: 64 / 4 = 16 query heads, 8 / 4 = 2 KV heads of 128. 59,904 keys over 8 sequences: 7,488 each.
        double expected = k.Attention(AttentionShape.Of(16, 2, 128, 2, 2, 0, 0, 0, 8, 7488));
        Assert.Equal(expected, Decode()([8, 59904]), 15);
        // 96 keys over 128 sequences integer-divide to none: the row times empty sequences, not 128 of 96 keys.
        Assert.Equal(k.Attention(AttentionShape.Of(16, 2, 128, 2, 2, 0, 0, 0, 128, 0)), Decode()([128, 96]), 15);
    }

    [Fact]
    public void MoreSequencesOverTheSameKeys_ReadTheSameBytes()
    {
        // kv_cache_size 59,904 at batch 1 and at batch 8 are the same 59,904 keys (61 MB of K and V on this rank), both
        // read at DRAM's rate once the splits fill the SMs, so the two rows take about the same time; read per
        // sequence, the batch-8 row would read eight times the bytes. (The legacy kernel itself ran 1,616 and 202 µs:
        // it did not split the keys, so one sequence kept only a few SMs busy, where the splits vLLM makes keep all 132.)
        var predict = Decode();
        Assert.InRange(predict([8, 59904]) / predict([1, 59904]), 0.5, 2);
        Assert.InRange(predict([8, 8 * 59904]) / predict([8, 59904]), 6, 10);
    }

    [Fact]
    public void ProfilePath_ReadsTheLegacyDecodeRowAtTheBatchsTotalKeys()
    {
        // `--perf-model profile:` on the legacy folder: four decodes of 14,976 keys each are the row the sweep ran as
        // batch 4, kv_cache_size 59,904 (median 0.395581 ms), not batch 4 at 14,976 keys.
        var table = new VidurAttentionTable(VidurProfile.Read(Legacy));
        var four = new BatchShape { Tokens = 4, Sequences = 4, Sampled = 4, DecodeCount = 4, DecodeContext = 4 * 14976 };
        Assert.Equal(0.395581e-3, table.SecondsPerLayer(four), 9);
        // Vidur's own tables keep the per-sequence reading: the mean context.
        var vidur = VidurProfile.Read(TestSupport.DataFile(["profiles", "vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv"]));
        var perSequence = new VidurAttentionTable(vidur);
        var decode = vidur.Tables[1].Interpolator;
        Assert.Equal(decode.Evaluate(4, 1024), perSequence.SecondsPerLayer(new BatchShape { Tokens = 4, Sequences = 4, Sampled = 4, DecodeCount = 4, DecodeContext = 4 * 1024 }), 12);
    }
}
