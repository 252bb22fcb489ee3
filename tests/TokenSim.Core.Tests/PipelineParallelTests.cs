using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>Pipeline parallelism with one step in flight per stage (vLLM's PP batch queue).</summary>
public class PipelineParallelTests
{
    [Fact]
    public void StepsOverlapAcrossStages_ARequestIsInOneStepAtATime()
    {
        // PP 2, step = 10 ms + 1 ms/token, so a stage takes half a step. A (10 + 3) starts at 0: [0, 0.020], first stage free at 0.010.
        // B (10 + 2) arrives at 0.001 and enters the first stage at 0.010: [0.010, 0.030], not after A's step.
        // A's decode waits for A's prefill to come out (0.020): [0.020, 0.031]; the next, after the stage frees at 0.0255
        // and A's token is back at 0.031: [0.0355, 0.0465] behind B's decode, which entered at 0.030.
        var sim = TestSupport.Linear(new EngineConfig { PipelineParallel = 2, EnablePrefixCaching = false, MaxModelLen = 4096 });
        Assert.False(sim.Options.Replica.AsyncScheduling);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 10, 3));
        var b = sim.Submit(new RequestSpec(0.001, 10, 2));
        sim.Run();
        Assert.Equal(0.030, b.FirstTokenTime, 12);
        double[] expected = [0.020, 0.031, 0.0465];
        Assert.All(expected.Zip(obs.Tokens[a.Id]), p => Assert.Equal(p.First, p.Second, 12));
        Assert.Equal(0.041, b.FinishTime, 12);
    }

    [Fact]
    public void RandomLoad_AtMostPpStepsInFlight_EveryTokenOnce()
    {
        // Llama-2-70B, 4 × A100-80G as TP 2 × PP 2, Poisson 8 req/s with Azure conversation lengths, a tight KV cache.
        var spec = TestSupport.Spec(new EngineConfig { TensorParallel = 2, PipelineParallel = 2, MaxModelLen = 4096, KvBlocks = 600 }, "llama-2-70b", "a100-80g");
        var sim = new Simulator(new SimulationOptions { Replica = spec, Seed = 1 });
        sim.AttachWorkload(WorkloadSpec.Build("poisson:rate=8,n=400", 4096).Source);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        int maxInFlight = 0;
        while (sim.Step())
        {
            var rep = sim.Replicas[0];
            maxInFlight = Math.Max(maxInFlight, rep.Pipeline.Count);
            Assert.True(rep.Pipeline.Count <= 2);
            var inSteps = rep.Pipeline.SelectMany(p => p.Batch.Entries.ToArray().Select(e => e.Request.Id)).ToList();
            Assert.Equal(inSteps.Count, inSteps.Distinct().Count()); // no request in two steps at once
            Assert.InRange(rep.Kv.FreeBlocks, 0, rep.Kv.TotalBlocks);
        }
        Assert.Equal(2, maxInFlight);
        Assert.Equal(400, sim.Metrics.Completed);
        Assert.All(obs.Finished, r => Assert.Equal(r.OutputTokens, obs.Tokens[r.Id].Count));
    }
}
