using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>
/// The host's side of a step by CUDA-graph regime (launches, and the scheduler's 12.8 µs a request), worked by hand,
/// and when async scheduling hides it.
/// </summary>
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
        Assert.Equal(0.58e-3, h.LaunchSeconds(Mixed(1, 256)), 12); // the step sweep's 0.58 ms for 324 launches
        // Decodes alone fit a full graph up to 256 tokens.
        Assert.Equal(GraphRegime.FullGraph, h.Regime(Decode(200)));
        Assert.Equal(GraphRegime.Eager, h.Regime(Decode(300)));
        var eager = new HostCost(new CudaGraphPadding(128, 2048, enforceEager: true), 32, 324, true);
        Assert.Equal(GraphRegime.Eager, eager.Regime(Decode(1)));
    }

    [Fact]
    public void SchedulerPerRequest_IsVllm23914sOverlapGain_OverItsBatch()
    {
        // vllm-project/vllm#23914, A100: tokens/s without and with the scheduler overlapped, at 32..256 requests a step.
        (int Batch, double Sync, double Async)[] table = [(32, 1014, 1025), (64, 1853, 1896), (128, 3048, 3177), (256, 4039, 4258)];
        // A step of b requests lasts b / throughput; what the overlap hid is the difference, 0.34 ms at 32 requests.
        double[] hidden = table.Select(r => r.Batch / r.Sync - r.Batch / r.Async).ToArray();
        Assert.Equal(0.3387e-3, hidden[0], 7);
        Assert.Equal(3.2599e-3, hidden[3], 7);
        double slope = table.Select((r, i) => r.Batch * hidden[i]).Sum() / table.Sum(r => (double)r.Batch * r.Batch);
        Assert.InRange(slope, HostCost.SchedulerSecondsPerRequest - 0.05e-6, HostCost.SchedulerSecondsPerRequest + 0.05e-6);
    }

    [Fact]
    public void EachRegime_ChargesLaunchesAndTheSchedulersWalk()
    {
        var h = Host(async: false);
        // 128 decodes under a full graph: 3 launches and 128 requests.
        Assert.Equal(3 * HostCost.DefaultLaunchSeconds + 128 * 12.8e-6, h.Seconds(Decode(128)), 15);
        // 100 decodes and a 100-token chunk under piecewise graphs: 99 launches and 101 requests.
        Assert.Equal(99 * HostCost.DefaultLaunchSeconds + 101 * 12.8e-6, h.Seconds(Mixed(100, 100)), 15);
        // One decode beside a 256-token chunk, no graph: 0.58 ms of launches and 2 requests.
        Assert.Equal(0.58e-3 + 2 * 12.8e-6, h.Seconds(Mixed(1, 256)), 15);
        // An empty step costs the host nothing.
        Assert.Equal(0, h.Seconds(new BatchShape()));
    }

    [Fact]
    public void AsyncScheduling_HidesTheHostUnderTheGpu_ButNotBeyondIt()
    {
        var async = Host(async: true);
        var sync = Host(async: false);
        var big = Mixed(64, 1000);
        double host = 0.58e-3 + 65 * 12.8e-6; // eager launches, 65 requests
        // The GPU takes 20 ms: the host's 1.41 ms for the next step fit under it.
        Assert.Equal(20e-3, async.Combine(20e-3, big), 15);
        Assert.Equal(20e-3 + host, sync.Combine(20e-3, big), 15);
        // A GPU step shorter than the host's work is host-bound: the host sets the pace.
        Assert.Equal(host, async.Combine(0.2e-3, big), 15);
        // A full-graph decode of 128 requests: 1.64 ms of scheduler and 5.4 µs of launches, hidden under an 8 ms step
        // with async scheduling, added without it.
        Assert.Equal(8e-3, async.Combine(8e-3, Decode(128)), 15);
        Assert.Equal(8e-3 + 3 * HostCost.DefaultLaunchSeconds + 128 * 12.8e-6, sync.Combine(8e-3, Decode(128)), 15);
    }

    [Fact]
    public void AFixedStepOverhead_StandsForTheScheduler_AndIsNotChargedTwice()
    {
        var spec = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048, AsyncScheduling = false }, "llama-3.1-8b", "rtx-pro-6000");
        var graphs = CudaGraphPadding.For(spec);
        var decode = Decode(64);
        Assert.Equal(64 * 12.8e-6, HostCost.For(spec, graphs, 324).SchedulerSeconds(decode), 15);
        // The roofline's StepOverheadSeconds (1 ms) already holds the scheduler's time.
        Assert.Equal(0, HostCost.For(spec, graphs, 324, stepOverheadSeconds: 1e-3).SchedulerSeconds(decode));
        Assert.Equal(3 * HostCost.DefaultLaunchSeconds, HostCost.For(spec, graphs, 324, stepOverheadSeconds: 1e-3).Seconds(decode), 15);
    }

    [Fact]
    public void ProfileModel_OnTheVisibleRunsGpu_IsNeverHostBound()
    {
        // Llama-3.1-8B on RTX PRO 6000: the eager steps' 0.58 ms of launches and the scheduler's time are far under
        // their GPU time, so async scheduling hides them and the profile's step times stand (docs/accuracy.md).
        var spec = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048 }, "llama-3.1-8b", "rtx-pro-6000");
        var model = new ProfileExecutionTimeModel(spec, LlmServingSimProfile.Read(TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"), 1));
        Assert.Equal(32 * 10 + 4, model.KernelsPerStep + 32);
        var prefill = Mixed(0, 300) with { Sequences = 1, PrefillAttentionPairs = 300 * 301 / 2.0, PrefillContext = 300 };
        Assert.Equal(GraphRegime.Eager, model.Host.Regime(prefill));
        Assert.True(model.StepSeconds(prefill) > 10 * model.Host.Seconds(prefill));
        // The most host work a step of this run carries, 128 decodes (1.64 ms, mostly the scheduler), is under a tenth
        // of their GPU step too.
        Assert.Equal(3 * HostCost.DefaultLaunchSeconds + 128 * 12.8e-6, model.Host.Seconds(Decode(128)), 15);
        Assert.True(model.StepSeconds(Decode(128)) > 10 * model.Host.Seconds(Decode(128)));
        var syncSpec = spec with { AsyncScheduling = false };
        var syncModel = new ProfileExecutionTimeModel(syncSpec, LlmServingSimProfile.Read(TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"), 1));
        Assert.Equal(model.StepSeconds(prefill) + 0.58e-3 + 12.8e-6, syncModel.StepSeconds(prefill), 9);
    }

    [Theory]
    // vLLM 0.19's choice (platforms/cuda.py priorities, FlashAttention's capability and KV-dtype checks, fa_utils).
    [InlineData(12.0, "bf16", AttentionBackend.FlashAttention)] // RTX PRO 6000 as the visible run: FA2
    [InlineData(12.0, "fp8", AttentionBackend.FlashInfer)]      // FA2 cannot read an fp8 cache
    [InlineData(8.9, "bf16", AttentionBackend.FlashAttention)]  // RTX 4090, L40S
    [InlineData(8.9, "fp8", AttentionBackend.FlashInfer)]
    [InlineData(8.0, "fp8", AttentionBackend.FlashInfer)]       // A100
    [InlineData(9.0, "fp8", AttentionBackend.FlashAttention)]   // Hopper's FA3 reads fp8
    [InlineData(9.0, "bf16", AttentionBackend.FlashAttention)]
    [InlineData(10.0, "bf16", AttentionBackend.FlashInfer)]     // B200: FlashInfer is first in 10.x's list
    [InlineData(7.5, "fp16", AttentionBackend.FlashInfer)]      // Turing: below FlashAttention's 8.0
    [InlineData(7.0, "fp16", AttentionBackend.Triton)]          // below FlashInfer's 7.5 too
    [InlineData(0, "bf16", AttentionBackend.NotCuda)]           // a catalog GPU without a compute capability (MI300X)
    public void Backend_IsVllmsChoice(double computeCapability, string kvDType, AttentionBackend expected) =>
        Assert.Equal(expected, VllmAttentionBackend.For(computeCapability, kvDType));

    [Fact]
    public void FlashInfer_WaitsForTheGpu_WhereVllm57352SaysItCopies()
    {
        HostCost On(double cc) => new(new CudaGraphPadding(128, 2048), 32, 324, asyncScheduling: true, HostCost.DefaultLaunchSeconds, AttentionBackend.FlashInfer, cc);
        var decode = Decode(128);
        var mixed = Mixed(100, 100);
        // RTX Blackwell and Hopper: only builds with prefill rows copy seq_lens back.
        Assert.False(On(12.0).WaitsForGpu(decode));
        Assert.True(On(12.0).WaitsForGpu(mixed));
        Assert.False(On(9.0).WaitsForGpu(decode));
        Assert.True(On(9.0).WaitsForGpu(mixed));
        // Ampere and Ada: every build.
        Assert.True(On(8.9).WaitsForGpu(decode));
        Assert.True(On(8.0).WaitsForGpu(mixed));
        // Datacenter Blackwell: TRT-LLM serves the rows, nothing is read back.
        Assert.False(On(10.0).WaitsForGpu(mixed));
        // FlashAttention never reads back, whatever the GPU.
        var fa = new HostCost(new CudaGraphPadding(128, 2048), 32, 324, true, HostCost.DefaultLaunchSeconds, AttentionBackend.FlashAttention, 8.9);
        Assert.False(fa.WaitsForGpu(decode));
        Assert.False(fa.WaitsForGpu(mixed));
    }

    [Fact]
    public void AReadBack_ExposesTheHostAfterIt_OnlyUnderAsyncScheduling()
    {
        // 0.014/1.014 of a 20.3 ms step: 16.38 GB of weights over 1,008 GB/s × 0.8 (vllm-project/vllm#57352's +1.4%).
        Assert.Equal(2.8045e-4, HostCost.SyncExposedSeconds, 8);
        var async = new HostCost(new CudaGraphPadding(128, 2048), 32, 324, true, HostCost.DefaultLaunchSeconds, AttentionBackend.FlashInfer, 12.0);
        var serial = new HostCost(new CudaGraphPadding(128, 2048), 32, 324, false, HostCost.DefaultLaunchSeconds, AttentionBackend.FlashInfer, 12.0);
        var big = Mixed(64, 1000);
        // The GPU idles while the host finishes the build after the copy; the launches still hide under the step.
        Assert.Equal(20e-3 + HostCost.SyncExposedSeconds, async.Combine(20e-3, big), 15);
        // A decode step on RTX Blackwell does not copy: launches hidden, nothing added.
        Assert.Equal(20e-3, async.Combine(20e-3, Decode(128)), 15);
        // Without async scheduling host and GPU already take turns: the host's time adds, the copy waits for nothing.
        Assert.Equal(20e-3 + 0.58e-3 + 65 * 12.8e-6, serial.Combine(20e-3, big), 15);
    }

    [Fact]
    public void VisibleRun_PicksFlashAttention_AndAnFp8CacheWouldCostEachPrefillStepTheReadBack()
    {
        var dir = TestSupport.DataFile("profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16");
        var bf16 = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048 }, "llama-3.1-8b", "rtx-pro-6000");
        var fp8 = TestSupport.Spec(new EngineConfig { MaxNumSeqs = 128, MaxNumBatchedTokens = 2048, KvCacheDType = "fp8" }, "llama-3.1-8b", "rtx-pro-6000");
        var visible = new ProfileExecutionTimeModel(bf16, LlmServingSimProfile.Read(dir, 1));
        var flashInfer = new ProfileExecutionTimeModel(fp8, LlmServingSimProfile.Read(dir, 1));
        Assert.Equal(AttentionBackend.FlashAttention, visible.Host.Backend);
        Assert.Equal(AttentionBackend.FlashInfer, flashInfer.Host.Backend);
        var prefill = Mixed(64, 400) with { PrefillAttentionPairs = 400 * 401 / 2.0, PrefillContext = 400 };
        Assert.False(visible.Host.WaitsForGpu(prefill));
        Assert.Equal(visible.StepSeconds(prefill) + HostCost.SyncExposedSeconds, flashInfer.StepSeconds(prefill), 12);
        Assert.Equal(visible.StepSeconds(Decode(64)), flashInfer.StepSeconds(Decode(64)), 12);
    }
}
