using TokenSim.Core.Entities;

namespace TokenSim.Core.Tests;

public class ReplicaSpecTests
{
    [Fact]
    public void KvBlocks_AreDerivedLikeVllm()
    {
        var spec = TestSupport.Spec(new EngineConfig(), "llama-3.1-8b", "h100-sxm");
        var m = spec.Memory;
        Assert.Equal((long)Math.Ceiling(spec.Hardware.MemoryBytes * 0.9), m.RequestedBytes);
        Assert.Equal(spec.Model.ParameterCount * 2, m.WeightBytes, 0.01 * m.WeightBytes); // bf16 weights, one GPU
        long kv = m.RequestedBytes - m.WeightBytes - m.ActivationPeakBytes - m.NonTorchBytes;
        Assert.Equal(kv / (16L * 128 * 1024), spec.NumGpuBlocks);
        Assert.Equal(spec.NumGpuBlocks - 1, spec.UsableBlocks);
    }

    [Theory]
    [InlineData("a100-80g", 2048, 256)]   // "other" devices: A100 is excluded from the big-device defaults
    [InlineData("h100-sxm", 8192, 1024)]
    [InlineData("l40s", 2048, 256)]
    public void BatchDefaults_FollowVllmServe(string hw, int tokens, int seqs)
    {
        var spec = TestSupport.Spec(new EngineConfig(), "llama-3.1-8b", hw);
        Assert.Equal(tokens, spec.MaxNumBatchedTokens);
        Assert.Equal(seqs, spec.MaxNumSeqs);
    }

    [Fact]
    public void Tp_ShardsWeightsAndKvHeads()
    {
        var tp4 = TestSupport.Spec(new EngineConfig { TensorParallel = 4 }, "llama-3.1-70b", "h100-sxm");
        Assert.InRange(tp4.Memory.WeightBytes * 4.0 / (tp4.Model.ParameterCount * 2.0), 0.999, 1.001);
        Assert.Equal(2, tp4.Model.KvHeadsPerRank(4));
    }

    [Fact]
    public void ModelTooBigForTheGpu_IsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => TestSupport.Spec(new EngineConfig(), "llama-2-70b", "a100-80g"));
        Assert.Contains("Raise --tp", e.Message);
    }

    [Fact]
    public void MaxModelLenOverKvCapacity_IsRefusedAsVllmDoes()
    {
        var e = Assert.Throws<ArgumentException>(() => TestSupport.Spec(new EngineConfig { KvBlocks = 10 }));
        Assert.Contains("larger than the maximum number of tokens", e.Message);
    }
}
