using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class RouterTests
{
    private static Simulator Sim(string router, int replicas = 2, bool prefix = false) => new(new SimulationOptions
    {
        Replica = TestSupport.Spec(new EngineConfig { MaxModelLen = 4096, EnablePrefixCaching = prefix, AsyncScheduling = false }),
        Replicas = replicas, Router = router, Seed = 3,
        ExecutionTime = _ => new LinearExecutionTimeModel(0.01, 0.001),
    });

    [Fact]
    public void RoundRobin_Alternates()
    {
        var sim = Sim("round-robin", 3);
        var rs = Enumerable.Range(0, 6).Select(i => sim.Submit(new RequestSpec(i * 0.001, 10, 2))).ToList();
        sim.Run();
        Assert.Equal([0, 1, 2, 0, 1, 2], rs.Select(r => r.Replica));
    }

    [Fact]
    public void LeastOutstanding_AvoidsTheBusyReplica()
    {
        // A long request holds replica 0; the short ones that follow all go to replica 1 while it is free enough.
        var sim = Sim("least-outstanding");
        var a = sim.Submit(new RequestSpec(0, 1000, 500));
        var b = sim.Submit(new RequestSpec(0.5, 10, 2));
        var c = sim.Submit(new RequestSpec(1.0, 10, 2));
        sim.Run();
        Assert.Equal(0, a.Replica);
        Assert.Equal(1, b.Replica);
        Assert.Equal(1, c.Replica); // b finished long before: replica 1 has 0 outstanding, replica 0 has 1
    }

    [Fact]
    public void LeastKv_CountsQueuedPrompts()
    {
        var sim = Sim("least-kv");
        var a = sim.Submit(new RequestSpec(0, 3000, 5));
        var b = sim.Submit(new RequestSpec(0, 100, 5));
        var c = sim.Submit(new RequestSpec(0, 100, 5));
        sim.Run();
        Assert.Equal(0, a.Replica);
        Assert.Equal(1, b.Replica);
        Assert.Equal(1, c.Replica); // replica 0 already owes 3,000 prompt tokens
    }

    [Fact]
    public void PrefixAffinity_SendsSharedPrefixesToTheReplicaThatCachedThem()
    {
        var sim = Sim("prefix-affinity", prefix: true);
        int[] Prompt(int salt) => [.. Enumerable.Range(0, 256), .. Enumerable.Range(salt * 1000, 64)];
        var first = sim.Submit(new RequestSpec(0, 320, 4, TokenIds: Prompt(1)));
        var other = sim.Submit(new RequestSpec(0.001, 300, 4, TokenIds: Enumerable.Range(50_000, 300).ToArray()));
        var shared = sim.Submit(new RequestSpec(1.0, 320, 4, TokenIds: Prompt(2)));
        sim.Run();
        Assert.NotEqual(first.Replica, other.Replica);
        Assert.Equal(first.Replica, shared.Replica);
        Assert.Equal(256, sim.Replicas[first.Replica].Kv.PrefixHitTokens);
    }

    [Fact]
    public void Random_IsSeeded_AndSpreads()
    {
        int[] Run()
        {
            var sim = Sim("random", 4);
            var rs = Enumerable.Range(0, 400).Select(i => sim.Submit(new RequestSpec(i * 0.01, 10, 2))).ToList();
            sim.Run();
            return rs.Select(r => r.Replica).ToArray();
        }
        var a = Run();
        Assert.Equal(a, Run());
        Assert.All(Enumerable.Range(0, 4), i => Assert.InRange(a.Count(x => x == i), 70, 130));
    }

    [Fact]
    public void LeastOutstanding_LowersP99Ttft_VersusRoundRobin_OnTheAzureCodeTrace()
    {
        // Llama-2-7B, A100-80G, 4 replicas, the Azure code trace replayed as is (its long prompts unbalance round robin).
        double P99(string router)
        {
            var sim = new Simulator(new SimulationOptions { Replica = TestSupport.Spec(), Replicas = 4, Router = router });
            sim.AttachWorkload(WorkloadSpec.Build(TestSupport.DataFile("traces", "azure2023", "AzureLLMInferenceTrace_code.csv"), 4096).Source);
            sim.Run();
            return sim.Metrics.Ttft.Quantile(0.99);
        }
        Assert.True(P99("least-outstanding") < 0.95 * P99("round-robin"));
    }
}
