using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

public class EngineLimitsTests
{
    [Theory]
    [InlineData(1 << 30)]          // 2 × max_num_seqs overflowed int: a negative capture size, then OverflowException
    [InlineData(int.MaxValue)]
    public void CudaGraphPadding_HugeMaxNumSeqs_CapsAt512(int seqs)
    {
        var padding = new CudaGraphPadding(seqs, 8192);
        Assert.Equal(512, padding.MaxCaptureSize);
        Assert.Equal(512, padding.Pad(500));
    }

    [Theory]
    [InlineData(nameof(EngineConfig.MaxNumSeqs), EngineLimits.MaxNumSeqs + 1, "--max-num-seqs must be at most 1,048,576 (got 1,048,577).")]
    [InlineData(nameof(EngineConfig.MaxNumBatchedTokens), EngineLimits.MaxNumBatchedTokens + 1, "--max-num-batched-tokens must be at most 16,777,216 (got 16,777,217).")]
    [InlineData(nameof(EngineConfig.KvBlocks), EngineLimits.MaxKvBlocks + 1, "--kv-blocks must be at most 16,777,216 (got 16,777,217).")]
    [InlineData(nameof(EngineConfig.DataParallel), EngineLimits.MaxEngineRanks + 1, "--dp (data_parallel_size) must be 1 to 1,024 (got 1,025).")]
    public void ReplicaSpec_BeyondTheLimit_IsRefusedNamingTheFlag(string field, int value, string message)
    {
        var cfg = field switch
        {
            nameof(EngineConfig.MaxNumSeqs) => new EngineConfig { MaxNumSeqs = value, MaxNumBatchedTokens = value, KvBlocks = 1000, MaxModelLen = 4096 },
            nameof(EngineConfig.MaxNumBatchedTokens) => new EngineConfig { MaxNumBatchedTokens = value, KvBlocks = 1000, MaxModelLen = 4096 },
            nameof(EngineConfig.KvBlocks) => new EngineConfig { KvBlocks = value },
            _ => new EngineConfig { DataParallel = value },
        };
        var e = Assert.Throws<ArgumentException>(() => TestSupport.Spec(cfg, "llama-3.1-8b", "h100-sxm"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void AtTheLimits_ASimulationIsBuiltAndRuns()
    {
        var s = new SimulateSettings
        {
            Model = "llama-3.1-8b", Hardware = "h100-sxm", Replicas = EngineLimits.MaxReplicas, MaxNumSeqs = EngineLimits.MaxNumSeqs,
            MaxNumBatchedTokens = EngineLimits.MaxNumBatchedTokens, KvBlocks = 100_000, MaxModelLen = 4096, Workload = "burst:n=8,input=16,output=4",
        };
        var (sim, _, _) = s.Build();
        sim.Run();
        Assert.Equal(8, sim.Metrics.Completed);
    }

    [Fact]
    public void Settings_TooManyEngineRanks_AreRefusedNamingTheFlags()
    {
        var s = new SimulateSettings { Replicas = 600, DecodeReplicas = 600, Workload = "burst:n=1,input=16,output=4" };
        var e = Assert.Throws<ArgumentException>(() => s.Build());
        Assert.Equal("--replicas, --decode-replicas and --dp make 1,200 engine ranks ((replicas + decode replicas) × dp); at most 1,024.", e.Message);
    }
}
