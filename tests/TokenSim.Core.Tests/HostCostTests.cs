using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>The host's launches per step by CUDA-graph regime, worked by hand, and when async scheduling hides them.</summary>
public class HostCostTests
{
    // max_num_seqs 128, budget 2048: capture sizes up to 256 tokens. A 32-layer model with 324 kernels launched eagerly.
    private static HostCost Host(bool async) => new(new CudaGraphPadding(128, 2048), layers: 32, eagerKernelsPerStep: 324, async);

    private static BatchShape Decode(int n) => new() { Tokens = n, Sequences = n, Sampled = n, DecodeCount = n, DecodeContext = n * 500L };
    private static BatchShape Mixed(int decodes, int chunk) => Decode(decodes) with { Tokens = decodes + chunk, Sequences = decodes + 1, PrefillTokens = chunk, PrefillCount = 1 };

    [Fact]
    public void EachRegime_LaunchesWhatVllmLaunches()
    {
        var h = Host(async: true);
        // 128 decodes: one full-graph replay, then the LM head and the sampler.
        Assert.Equal(GraphRegime.FullGraph, h.Regime(Decode(128)));
        Assert.Equal(3, h.Launches(Decode(128)));
        // 100 decodes and a 100-token chunk: 33 graph pieces, 2 attention kernels in each of 32 layers, LM head, sampler.
        Assert.Equal(GraphRegime.Piecewise, h.Regime(Mixed(100, 100)));
        Assert.Equal(33 + 64 + 2, h.Launches(Mixed(100, 100)));
        // 257 tokens is past the largest capture size: every kernel from the host.
        Assert.Equal(GraphRegime.Eager, h.Regime(Mixed(1, 256)));
        Assert.Equal(324, h.Launches(Mixed(1, 256)));
        Assert.Equal(0.58e-3, h.Seconds(Mixed(1, 256)), 12); // the step sweep's 0.58 ms for 324 launches
        // Decodes alone fit a full graph up to 256 tokens.
        Assert.Equal(GraphRegime.FullGraph, h.Regime(Decode(200)));
        Assert.Equal(GraphRegime.Eager, h.Regime(Decode(300)));
        var eager = new HostCost(new CudaGraphPadding(128, 2048, enforceEager: true), 32, 324, true);
        Assert.Equal(GraphRegime.Eager, eager.Regime(Decode(1)));
    }

    [Fact]
    public void AsyncScheduling_HidesLaunchesUnderTheGpu_ButNotBeyondIt()
    {
        var async = Host(async: true);
        var sync = Host(async: false);
        var big = Mixed(64, 1000);
        // The GPU takes 20 ms: 0.58 ms of launches for the next step fit under it.
        Assert.Equal(20e-3, async.Combine(20e-3, big), 15);
        Assert.Equal(20e-3 + 0.58e-3, sync.Combine(20e-3, big), 15);
        // A GPU step shorter than its launches is host-bound: the launches set the pace.
        Assert.Equal(0.58e-3, async.Combine(0.2e-3, big), 15);
    }

    [Fact]
    public void ProfileModel_OnTheVisibleRunsGpu_IsNeverHostBound()
    {
        // Llama-3.1-8B on RTX PRO 6000: the eager steps' 0.58 ms of launches are far under their GPU time, so async
        // scheduling hides them and the profile's step times stand (docs/accuracy.md).
        var spec = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048 }, "llama-3.1-8b", "rtx-pro-6000");
        var model = new ProfileExecutionTimeModel(spec, LlmServingSimProfile.Read(TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"), 1));
        Assert.Equal(32 * 10 + 4, model.KernelsPerStep + 32);
        var prefill = Mixed(0, 300) with { Sequences = 1, PrefillAttentionPairs = 300 * 301 / 2.0, PrefillContext = 300 };
        Assert.Equal(GraphRegime.Eager, model.Host.Regime(prefill));
        Assert.True(model.StepSeconds(prefill) > 10 * model.Host.Seconds(prefill));
        var syncSpec = spec with { AsyncScheduling = false };
        var syncModel = new ProfileExecutionTimeModel(syncSpec, LlmServingSimProfile.Read(TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"), 1));
        Assert.Equal(model.StepSeconds(prefill) + 0.58e-3, syncModel.StepSeconds(prefill), 9);
    }
}
