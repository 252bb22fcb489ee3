using TokenSim.Core.Entities;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>Properties that must hold on any workload: conservation, capacity, monotone times, determinism.</summary>
public class InvariantTests
{
    private static Simulator Build(string scheduler, int kvBlocks, ulong seed, int replicas = 2)
    {
        var spec = TestSupport.Spec(new EngineConfig { Scheduler = scheduler, KvBlocks = kvBlocks, MaxModelLen = 2048, MaxNumBatchedTokens = 512, MaxNumSeqs = 64 });
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = replicas, Seed = seed });
        var lengths = new LengthSampler.Independent(new LengthDistribution.Uniform(1, 1500), new LengthDistribution.Zipf(1.1, 500));
        sim.AttachWorkload(new GeneratedWorkloadSource(ArrivalProcess.Gamma, 20, 2, 400, lengths));
        return sim;
    }

    [Theory]
    [InlineData("vllm-v1", 200)]   // 200 blocks × 16 = 3,200 tokens: heavy preemption
    [InlineData("vllm-v1", 5000)]
    [InlineData("vllm-v0", 200)]
    [InlineData("vllm-v0", 5000)]
    [InlineData("static", 300)]
    [InlineData("orca", 200)]
    [InlineData("sarathi", 200)]
    [InlineData("priority", 200)]
    [InlineData("sjf", 200)]
    [InlineData("srpt", 200)]
    public void RandomWorkload_EveryTokenOnce_BlocksWithinCapacity_TimesMonotone(string scheduler, int kvBlocks)
    {
        var sim = Build(scheduler, kvBlocks, seed: 7);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        while (sim.Step())
        {
            foreach (var rep in sim.Replicas)
            {
                var kv = rep.Kv;
                Assert.InRange(kv.FreeBlocks, 0, kv.TotalBlocks);
                int held = 0;
                foreach (var r in rep.Running) held += r.BlocksHeld;
                for (int i = 0; i < rep.Waiting.Count; i++) Assert.Equal(0, rep.Waiting[i].BlocksHeld);
                Assert.Equal(kv.UsedBlocks, held);
                Assert.True(rep.Running.Count <= rep.Spec.MaxNumSeqs);
                if (scheduler != "static") // a static batch prefills all its prompts at once
                    Assert.True(rep.Batch.TotalTokens <= Math.Max(rep.Spec.MaxNumBatchedTokens, scheduler is "vllm-v0" or "orca" ? rep.Spec.MaxModelLen : 0));
            }
        }
        Assert.Equal(400, sim.Metrics.Arrived);
        Assert.Equal(400, sim.Metrics.Completed + sim.Metrics.Rejected);
        long tokens = 0;
        foreach (var r in obs.Finished)
        {
            var times = obs.Tokens[r.Id];
            Assert.Equal(r.OutputTokens, times.Count);
            Assert.Equal(r.OutputTokens, r.Generated);
            tokens += times.Count;
            Assert.True(r.ArrivalTime <= r.ScheduledTime);
            Assert.True(r.ScheduledTime < r.FirstTokenTime);
            for (int i = 1; i < times.Count; i++) Assert.True(times[i] > times[i - 1]);
            Assert.Equal(times[^1], r.FinishTime);
        }
        Assert.Equal(sim.Metrics.OutputTokens, tokens);
        Assert.Equal(sim.Metrics.Completed, obs.Finished.Count);
        foreach (var rep in sim.Replicas)
        {
            Assert.Equal(rep.Kv.TotalBlocks, rep.Kv.FreeBlocks);
            Assert.Empty(rep.Running);
            Assert.Equal(0, rep.Waiting.Count);
        }
        if (kvBlocks == 200 && scheduler is "vllm-v1" or "vllm-v0") Assert.True(sim.Metrics.Preemptions > 0, "the small cache should force preemptions");
    }

    [Theory]
    [InlineData(150, "lru", 0)]
    [InlineData(3000, "lru", 0)]
    [InlineData(150, "fifo", 0)]
    [InlineData(150, "lfu", 0)]
    [InlineData(150, "lru", 500)]
    public void SharedPrefixes_BlocksWithinCapacity_EveryTokenOnce(int kvBlocks, string eviction, int cpuBlocks)
    {
        // Prompts built from 4 shared system prompts plus a unique tail, half of them with no token ids at all.
        var spec = TestSupport.Spec(new EngineConfig { KvBlocks = kvBlocks, MaxModelLen = 2048, MaxNumBatchedTokens = 512, EnablePrefixCaching = true, PrefixEviction = eviction, CpuCacheBlocks = cpuBlocks });
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 2, Seed = 5 });
        var rng = new TokenSim.Core.Randomness.SimRandom(9);
        for (int i = 0; i < 300; i++)
        {
            int prefix = rng.NextInt(0, 3), len = rng.NextInt(80, 1200), output = rng.NextInt(1, 300);
            int[]? ids = i % 2 == 0 ? null : Enumerable.Range(0, len).Select(t => t < 64 ? prefix * 1000 + t : i * 10_000 + t).ToArray();
            sim.Submit(new RequestSpec(i * 0.05, len, output, TokenIds: ids));
        }
        var obs = new RecordingObserver();
        sim.Observer = obs;
        while (sim.Step())
            foreach (var rep in sim.Replicas)
            {
                Assert.InRange(rep.Kv.FreeBlocks, 0, rep.Kv.TotalBlocks);
                Assert.True(rep.Kv.UsedBlocks <= rep.Running.Sum(r => r.BlocksHeld)); // shared blocks count once
            }
        Assert.Equal(300, sim.Metrics.Completed);
        Assert.All(obs.Finished, r => Assert.Equal(r.OutputTokens, obs.Tokens[r.Id].Count));
        Assert.All(sim.Replicas, r => Assert.Equal(r.Kv.TotalBlocks, r.Kv.FreeBlocks));
        Assert.True(sim.Replicas.Sum(r => r.Kv.PrefixHitTokens) > 0);
        if (kvBlocks == 150) Assert.True(sim.Metrics.Preemptions > 0);
    }

    [Fact]
    public void SameSeed_SameResults_DifferentSeed_DifferentResults()
    {
        string Run(ulong seed)
        {
            var sim = Build("vllm-v1", 400, seed);
            sim.Run();
            using var ms = new MemoryStream();
            SimulationReport.From(sim, 0).WriteJson(ms);
            return System.Text.Encoding.UTF8.GetString(ms.ToArray());
        }
        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
        // The document's keys, in order, as the scorecard and scripts read them (kv_transfer_s only for P/D runs).
        using var doc = System.Text.Json.JsonDocument.Parse(Run(3));
        Assert.Equal(
            ["requests", "rejected", "makespan_s", "ttft_s", "tpot_s", "itl_s", "e2e_s", "queue_s", "throughput", "preemptions", "kv_usage",
             "prefix_cache", "batch_size", "batch_tokens", "steps", "prompt_tokens", "output_tokens", "config", "wall_s"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["mean", "p50", "p90", "p99", "max"], doc.RootElement.GetProperty("ttft_s").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["requests_per_s", "output_tokens_per_s"], doc.RootElement.GetProperty("throughput").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["model", "hardware", "replicas", "tp", "pp", "scheduler", "perf_model", "kv_blocks", "block_size", "max_num_seqs", "max_num_batched_tokens"],
            doc.RootElement.GetProperty("config").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Clone_ContinuesIdentically_AndIndependently()
    {
        var original = Build("vllm-v1", 300, seed: 11);
        original.AdvanceTo(5.0);
        Assert.True(original.Replicas.Sum(r => r.Running.Count) > 0, "the clone point should be mid-run");
        var clone = original.Clone();
        Assert.Equal(original.Now, clone.Now);

        // The clone is independent: a request submitted to it never reaches the original.
        var fork = clone.Clone();
        fork.Submit(new RequestSpec(6.0, 100, 10));

        original.Run();
        clone.Run();
        fork.Run();
        Assert.Equal(Summary(original), Summary(clone));
        Assert.Equal(original.Metrics.Arrived + 1, fork.Metrics.Arrived);
        Assert.NotEqual(Summary(original), Summary(fork));
    }

    private static string Summary(Simulator s)
    {
        var m = s.Metrics;
        return $"{m.Completed} {m.OutputTokens} {m.Preemptions} {m.Steps} {m.Ttft.Sum:R} {m.E2e.Sum:R} {m.Itl.Sum:R} {m.LastFinish:R}";
    }

    [Fact]
    public void RequestOverTheContext_IsRejectedAndCounted_NotACrash()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxModelLen = 1000 });
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.Submit(new RequestSpec(0, 900, 101));
        var ok = sim.Submit(new RequestSpec(0, 900, 100));
        sim.Run();
        Assert.Equal(1, sim.Metrics.Rejected);
        Assert.Equal(1, sim.Metrics.Completed);
        Assert.Equal(RequestStatus.Finished, ok.Status);
        Assert.Contains("maximum context length is 1000", obs.Rejected[0].Reason);
    }
}
