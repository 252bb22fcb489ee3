using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class SwapPreemptionTests
{
    private static Simulator Sim(string preemption, string scheduler = "vllm-v1", HardwareSpec? hw = null) =>
        new(new SimulationOptions
        {
            Replica = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), hw ?? HardwareCatalog.Resolve("a100-80g"), new EngineConfig
            {
                Scheduler = scheduler, BlockSize = 4, KvBlocks = 6, MaxModelLen = 20, MaxNumBatchedTokens = 64,
                AsyncScheduling = false, EnablePrefixCaching = false, Preemption = preemption,
            }),
            ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
        });

    [Fact]
    public void Swap_KeepsTheVictimsKv_AndChargesTheCopyToTheStep()
    {
        // As in the recompute case: 5 usable blocks of 4; A and B (8 + 10) both prefill, then B is evicted at 0.026.
        var sim = Sim("swap");
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 8, 10));
        var b = sim.Submit(new RequestSpec(0, 8, 10));
        sim.Run();
        var rep = sim.Replicas[0];
        Assert.Equal(1, b.Preemptions);
        Assert.Equal(1, rep.SwapOuts);
        Assert.Equal(1, rep.SwapIns);
        Assert.Single(obs.Chunks, c => c.Id == b.Id); // resumed from its KV: no second prefill
        Assert.Equal(10, obs.Tokens[b.Id].Count);
        // B held 2 blocks when evicted; the copy-out (2 blocks over PCIe) lengthens the step that evicted it.
        double copy = rep.Spec.SwapLink!.LatencySeconds + 2.0 * rep.Spec.Memory.BlockBytes / rep.Spec.SwapLink.BandwidthBytesPerSecond;
        Assert.Equal(0.026 + 0.011 + copy, obs.Tokens[a.Id][1], 12);
    }

    [Fact]
    public void LazySwap_CostsNothingWhenTheVictimResumesBeforeItsBlocksAreNeeded()
    {
        // One slot: the victim parks its KV on the GPU and is resumed as soon as A finishes, without a copy.
        var sim = Sim("swap-lazy");
        var a = sim.Submit(new RequestSpec(0, 8, 10));
        var b = sim.Submit(new RequestSpec(0, 8, 10));
        sim.Run();
        Assert.Equal(10, a.Generated);
        Assert.Equal(10, b.Generated);
        Assert.True(b.Preemptions + a.Preemptions >= 1);
        Assert.Equal(sim.Replicas[0].Kv.TotalBlocks, sim.Replicas[0].Kv.FreeBlocks);
    }

    [Theory]
    [InlineData("swap")]
    [InlineData("swap-lazy")]
    public void RandomLoad_UnderSwap_ConservesTokensAndBlocks(string preemption)
    {
        var spec = TestSupport.Spec(new EngineConfig { Scheduler = "vllm-v0", KvBlocks = 300, MaxModelLen = 2048, Preemption = preemption });
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 2, Seed = 4 });
        sim.AttachWorkload(WorkloadSpec.Build("poisson:rate=20,n=300,input=50..1200,output=zipf(1.1,400)", 2048).Source);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        while (sim.Step())
            foreach (var r in sim.Replicas)
            {
                Assert.InRange(r.Kv.FreeBlocks, 0, r.Kv.TotalBlocks);
                Assert.InRange(r.SwapBlocksUsed, 0, r.Spec.SwapBlocks);
            }
        Assert.Equal(300, sim.Metrics.Completed);
        Assert.All(obs.Finished, r => Assert.Equal(r.OutputTokens, obs.Tokens[r.Id].Count));
        Assert.True(sim.Metrics.Preemptions > 0);
        Assert.All(sim.Replicas, r => Assert.Equal(0, r.SwapBlocksUsed));
    }

    [Fact]
    public void SwapVersusRecompute_TheCheaperWins_AndTheOrderFlipsOnASlowLink()
    {
        // Llama-2-7B, A100-80G, vLLM V0, 1,500 KV blocks, Poisson 6 req/s. Per token, recomputing costs ~2·7e9 FLOPs
        // at 0.7 × 312 TFLOP/s (≈ 64 µs), while swapping 512 KiB out and back over 32 GB/s PCIe costs ≈ 33 µs, so swap
        // wins. Over a 2 GB/s link it costs ≈ 520 µs, so recompute wins.
        double P99(string preemption, HardwareSpec hw)
        {
            var spec = ReplicaSpec.Create(ModelCatalog.Resolve("llama-2-7b"), hw,
                new EngineConfig { Scheduler = "vllm-v0", KvBlocks = 1500, MaxModelLen = 4096, Preemption = preemption });
            var sim = new Simulator(new SimulationOptions { Replica = spec, Seed = 42 });
            sim.AttachWorkload(WorkloadSpec.Build("poisson:rate=6,n=600,input=200..1500,output=100..600", 4096).Source);
            sim.Run();
            Assert.True(sim.Metrics.Preemptions > 50);
            return sim.Metrics.E2e.Quantile(0.99);
        }
        var fast = HardwareCatalog.Resolve("a100-80g");
        var slow = fast with { Pcie = new LinkSpec("slow", 2e9, 1e-5) };
        Assert.True(P99("swap", fast) < P99("recompute", fast));
        Assert.True(P99("recompute", slow) < P99("swap", slow));
    }
}
