using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

public class VllmV1ReplicaSchedulerTests
{
    [Fact]
    public void OneRequestAlone_TtftIsOnePrefillStep_ThenOneStepPerToken()
    {
        // Step = 10 ms + 1 ms/token. Prefill of 100 tokens: 110 ms; each decode: 11 ms.
        var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 2048, AsyncScheduling = false });
        var r = sim.Submit(new RequestSpec(1.0, 100, 5));
        sim.Run();
        Assert.Equal(RequestStatus.Finished, r.Status);
        Assert.Equal(1.0, r.ScheduledTime, 12);
        Assert.Equal(0.110, r.TtftSeconds, 12);
        Assert.Equal(0.110 + 4 * 0.011, r.E2eSeconds, 12);
        Assert.Equal(0.011, r.TpotSeconds, 12);
        Assert.Equal(5, sim.Metrics.Steps);
    }

    [Fact]
    public void OneRequestAlone_RooflineTtftEqualsTheModelsPrefillStep()
    {
        var spec = TestSupport.Spec(new EngineConfig { AsyncScheduling = false });
        var sim = new Simulator(new SimulationOptions { Replica = spec });
        var r = sim.Submit(new RequestSpec(0, 512, 2));
        sim.Run();
        var roofline = new ExecutionTime.RooflineExecutionTimeModel(spec);
        var prefill = new BatchShape { Tokens = 512, Sequences = 1, Sampled = 1, PrefillCount = 1, PrefillTokens = 512, PrefillAttentionPairs = 512 * 513 / 2.0, PrefillContext = 512 };
        Assert.Equal(roofline.StepSeconds(prefill), r.TtftSeconds, 12);
    }

    [Fact]
    public void TwoRequests_ShareTheTokenBudget_RunningFirstThenChunkedPrefill()
    {
        // Budget 64. A (100 tokens) and B (30) arrive together.
        // Step 1: A 64 (partial).                      t = 0.010 + 0.064 = 0.074
        // Step 2: A 36 (prefill done, samples), B 28.  t = 0.074 + 0.074 = 0.148 → A's first token
        // Step 3: A 1 (decode), B 2 (samples).         t = 0.148 + 0.013 = 0.161 → B's first token, A's 2nd
        var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 64, MaxModelLen = 4096, AsyncScheduling = false });
        var a = sim.Submit(new RequestSpec(0, 100, 3));
        var b = sim.Submit(new RequestSpec(0, 30, 2));
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.Run();
        Assert.Equal(0.148, a.FirstTokenTime, 12);
        Assert.Equal(0.161, b.FirstTokenTime, 12);
        Assert.Equal(0.161, obs.Tokens[a.Id][1], 12);
        // Step 4: A 1, B 1 → both finish (A: 3 tokens, B: 2). t = 0.161 + 0.012
        Assert.Equal(0.173, a.FinishTime, 12);
        Assert.Equal(0.173, b.FinishTime, 12);
        Assert.Equal([(a.Id, 64, 0.074), (a.Id, 36, 0.148), (b.Id, 28, 0.148), (b.Id, 2, 0.161)], obs.Chunks.Select(c => (c.Id, c.Tokens, Math.Round(c.Time, 9))));
        Assert.Equal(0.074, b.QueueSeconds, 12); // step 1 spent the whole budget on A
    }

    [Fact]
    public void WaitingRequest_IsNotAdmittedWhenTheBudgetIsSpent()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 64, MaxModelLen = 4096, AsyncScheduling = false });
        var a = sim.Submit(new RequestSpec(0, 100, 3));
        var b = sim.Submit(new RequestSpec(0, 30, 2));
        sim.AdvanceTo(0.0);
        Assert.Single(sim.Replicas[0].Running);
        Assert.Equal(1, sim.Replicas[0].Waiting.Count);
        Assert.Same(b, sim.Replicas[0].Waiting.PeekFront());
        Assert.Equal(64, a.NumComputed);
        sim.Run();
        Assert.Equal(0.074, b.ScheduledTime, 12);
    }

    [Fact]
    public void MaxNumSeqs_CapsAdmission()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxNumSeqs = 2, MaxNumBatchedTokens = 4096, MaxModelLen = 4096, AsyncScheduling = false });
        for (int i = 0; i < 3; i++) sim.Submit(new RequestSpec(0, 10, 4));
        sim.AdvanceTo(0);
        Assert.Equal(2, sim.Replicas[0].Running.Count);
        Assert.Equal(1, sim.Replicas[0].Waiting.Count);
        sim.Run();
        Assert.Equal(3, sim.Metrics.Completed);
    }

    [Fact]
    public void BlocksRunOut_NewestRequestIsPreemptedByRecompute_AndResumesAfterwards()
    {
        // Block size 4, 6 GPU blocks → 5 usable (block 0 is vLLM's null block). A and B: 8-token prompts, 10 outputs.
        // Step 1: both admitted (2 blocks each, 1 free), both sample token 1 → 9 tokens each.
        // Step 2: A needs a 3rd block (takes the last); B needs a 3rd → none → B (newest) preempts itself.
        // B waits at the front; the full-ISL gate needs 3 blocks for its 9 tokens, so it returns only when A frees.
        var cfg = new EngineConfig { BlockSize = 4, KvBlocks = 6, MaxModelLen = 20, MaxNumBatchedTokens = 64, AsyncScheduling = false };
        var sim = TestSupport.Linear(cfg);
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 8, 10));
        var b = sim.Submit(new RequestSpec(0, 8, 10));
        sim.Run();
        Assert.Equal(1, sim.Metrics.Preemptions);
        Assert.Equal(0, a.Preemptions);
        Assert.Equal(1, b.Preemptions);
        Assert.Single(obs.Preempted);
        Assert.Equal(b.Id, obs.Preempted[0].Id);
        Assert.Equal(0.026, obs.Preempted[0].Time, 12);      // at the start of step 2: step 1 = 10 ms + 16 tokens
        Assert.Equal(0.026, b.FirstTokenTime, 12);           // its first token survives the preemption
        Assert.True(obs.Tokens[b.Id][1] > a.FinishTime);     // the rest waits for A to finish
        Assert.Equal(10, obs.Tokens[b.Id].Count);
        Assert.Equal(10, obs.Tokens[a.Id].Count);
        // B's recompute step prefills prompt + 1 generated token (9) and samples token 2 at its end.
        Assert.Contains((b.Id, 9, obs.Tokens[b.Id][1]), obs.Chunks);
        double resume = a.FinishTime;
        Assert.Equal(resume + 0.010 + 0.009, obs.Tokens[b.Id][1], 12);
        Assert.Equal(sim.Replicas[0].Kv.TotalBlocks, sim.Replicas[0].Kv.FreeBlocks);
    }
}
