using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Gpu;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests.Gpu;

/// <summary>
/// gpt-oss-120b's config lists 18 of its 36 layers as "sliding_attention" over 128 keys: those layers read 128 keys a
/// decode whatever the context, so a long-context decode step reads about half the KV of full attention.
/// </summary>
public class SlidingWindowTests
{
    private static readonly ReplicaSpec Spec = ReplicaSpec.Create(ModelCatalog.Resolve("gpt-oss-120b") with { DType = "fp4" },
        HardwareCatalog.Resolve("b200"), new EngineConfig { MaxNumBatchedTokens = 8192, MaxModelLen = 16384, KvCacheDType = "bf16" });

    private static BatchShape Decode(int n, int kv) => new()
    {
        Tokens = n, GroupTokens = n, GroupMaxTokens = n, Sequences = n, Sampled = n, DecodeCount = n, DecodeContext = (long)n * kv,
    };

    [Fact]
    public void GptOss_HalfItsLayersSlide()
    {
        Assert.Equal(128, Spec.Model.SlidingWindow);
        Assert.Equal(18, Spec.Model.SlidingWindowLayers);
        // Models that name no layer types keep full attention everywhere.
        Assert.Equal(0, ModelCatalog.Resolve("llama-3.1-8b").SlidingWindowLayers);
    }

    [Fact]
    public void SlidingLayer_ReadsTheWindow_NotTheContext()
    {
        var gpu = new GpuExecutionTimeModel(Spec);
        // At 8,192 keys a sliding layer costs what a full layer costs at 128.
        Assert.Equal(gpu.AttentionSecondsPerLayer(Decode(64, 128)), gpu.SlidingAttentionSecondsPerLayer(Decode(64, 8192)), 12);
        // Under the window nothing changes.
        Assert.Equal(gpu.AttentionSecondsPerLayer(Decode(64, 100)), gpu.SlidingAttentionSecondsPerLayer(Decode(64, 100)), 12);
        // The step: half the layers' KV reads gone, so the long-context step is well below full attention's.
        var full = new GpuExecutionTimeModel(ReplicaSpec.Create(Spec.Model with { SlidingWindow = 0, SlidingWindowLayers = 0 }, Spec.Hardware,
            new EngineConfig { MaxNumBatchedTokens = 8192, MaxModelLen = 16384, KvCacheDType = "bf16" }));
        double ratio = gpu.StepSeconds(Decode(64, 8192)) / full.StepSeconds(Decode(64, 8192));
        Assert.InRange(ratio, 0.5, 0.9);
    }
}
