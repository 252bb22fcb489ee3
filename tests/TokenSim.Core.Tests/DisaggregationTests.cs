using TokenSim.Core.Entities;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>Disaggregated prefill and decode pools (Splitwise, DistServe) with the KV transfer between them.</summary>
public class DisaggregationTests
{
    private static Simulator Sim(int prefill, int decode, LinkSpec link, bool linear = true, ulong seed = 1)
    {
        var spec = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false });
        return new Simulator(new SimulationOptions
        {
            Replica = spec, Replicas = prefill, DecodeReplicas = decode, KvTransferLink = link, Seed = seed,
            ExecutionTime = linear ? _ => new LinearExecutionTimeModel(0.01, 0.001) : null,
        });
    }

    [Fact]
    public void OneRequest_PrefillsThere_TransfersItsKv_DecodesHere()
    {
        // 100-token prompt: prefill step 110 ms on replica 0; 100 tokens × 512 KiB (Llama-2-7B) over 1 GB/s + 1 ms;
        // the first token reaches the client when the KV lands; each later token is a 1-token decode step (11 ms) on replica 1.
        var link = new LinkSpec("test", 1e9, 0.001);
        var sim = Sim(1, 1, link);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var r = sim.Submit(new RequestSpec(0, 100, 4));
        sim.Run();
        double transfer = 0.001 + 100 * 524288 / 1e9;
        Assert.Equal(0.110 + transfer, r.FirstTokenTime, 12);
        double[] expected = [0.110 + transfer, 0.121 + transfer, 0.132 + transfer, 0.143 + transfer];
        Assert.All(expected.Zip(obs.Tokens[r.Id]), p => Assert.Equal(p.First, p.Second, 12));
        Assert.Equal(1, r.Replica);
        Assert.Equal(ReplicaRole.Prefill, sim.Replicas[0].Role);
        Assert.Equal(ReplicaRole.Decode, sim.Replicas[1].Role);
        Assert.All(sim.Replicas, rep => Assert.Equal(rep.Kv.TotalBlocks, rep.Kv.FreeBlocks));
        Assert.Single(obs.Chunks); // the decode pool does not prefill again
    }

    [Fact]
    public void Disaggregation_RemovesPrefillInterference_AndTheTransferShowsInTtft()
    {
        // Llama-2-7B on A100-80G, Poisson 10 req/s with Azure conversation lengths, 4 GPUs: 4 co-located vs 2 + 2.
        SimulationMetrics Run(int prefill, int decode, LinkSpec? link)
        {
            var spec = TestSupport.Spec();
            var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = prefill, DecodeReplicas = decode, KvTransferLink = link, Seed = 42 });
            sim.AttachWorkload(WorkloadSpec.Build("poisson:rate=10,n=2000", spec.MaxModelLen).Source);
            sim.Run();
            return sim.Metrics;
        }
        var hw = HardwareCatalog.Resolve("a100-80g");
        var colocated = Run(4, 0, null);
        var fast = Run(2, 2, hw.IntraNodeLink);
        var slow = Run(2, 2, hw.InterNode);
        Assert.True(fast.Itl.Quantile(0.99) < 0.5 * colocated.Itl.Quantile(0.99), $"disaggregated {fast.Itl.Quantile(0.99)} vs co-located {colocated.Itl.Quantile(0.99)}");
        // The same runs apart from the link: the slower transfer adds about its extra time to the mean TTFT.
        double extra = slow.KvTransfer.Mean - fast.KvTransfer.Mean;
        Assert.True(extra > 0.01);
        Assert.InRange(slow.Ttft.Mean - fast.Ttft.Mean, 0.8 * extra, 1.5 * extra);
        Assert.Equal(2000, slow.Completed);
    }
}
