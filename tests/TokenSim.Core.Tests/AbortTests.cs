using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>Aborts, as vLLM's abort_requests handles a client that went away: queues left, blocks freed at once.</summary>
public class AbortTests
{
    [Fact]
    public void AbortRunning_FreesItsBlocksAtOnce_AndTheOtherRequestRunsAlone()
    {
        // Step = 10 ms + 1 ms/token, sync scheduling. A (100 prompt) and B (100 prompt) prefill together:
        // step 1 = 10 + 200 = 210 ms. Decodes of both: 12 ms each. Abort A at t = 0.215 (in step 2, 0.210–0.222).
        // Step 2 was launched with A, so it still lasts 12 ms, but A's token from it is void; B's decodes then
        // run alone at 11 ms: tokens at 0.222, 0.233, 0.244.
        var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 2048, MaxModelLen = 4096, AsyncScheduling = false, EnablePrefixCaching = false });
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 100, 10));
        var b = sim.Submit(new RequestSpec(0, 100, 4));
        sim.AdvanceTo(0.215);
        var kv = sim.Replicas[0].Kv;
        Assert.Equal(2 * 7, kv.UsedBlocks); // 101 tokens each → 7 blocks of 16
        Assert.True(sim.Abort(a));
        Assert.Equal(7, kv.UsedBlocks);
        Assert.Equal(RequestStatus.Aborted, a.Status);
        Assert.DoesNotContain(a, sim.Replicas[0].Running);
        sim.Run();
        Assert.Equal([0.210, 0.222, 0.233, 0.244], obs.Tokens[b.Id].Select(t => Math.Round(t, 9)));
        Assert.Single(obs.Tokens[a.Id]); // the first token only: the one in flight when it was aborted is void
        Assert.Equal(1, a.Generated);
        Assert.Equal(0, kv.UsedBlocks);
        Assert.Equal(1, sim.Metrics.Aborted);
        Assert.Equal(1, sim.Metrics.Completed);
        Assert.False(sim.Abort(a));
        Assert.False(sim.Abort(b));
    }

    [Fact]
    public void AbortWaiting_LeavesTheQueue_AndPendingArrivalNeverEnters()
    {
        // max_num_seqs 1: B waits behind A. C has not arrived yet. Abort both; only A runs.
        var sim = TestSupport.Linear(new EngineConfig { MaxNumSeqs = 1, MaxModelLen = 4096, AsyncScheduling = false });
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var a = sim.Submit(new RequestSpec(0, 50, 3));
        var b = sim.Submit(new RequestSpec(0, 50, 3));
        var c = sim.Submit(new RequestSpec(1.0, 50, 3));
        sim.AdvanceTo(0.01);
        Assert.Equal(1, sim.Replicas[0].Waiting.Count);
        Assert.True(sim.Abort(b));
        Assert.True(sim.Abort(c));
        Assert.Equal(0, sim.Replicas[0].Waiting.Count);
        sim.Run();
        Assert.Equal([a], obs.Finished);
        Assert.False(obs.Tokens.ContainsKey(b.Id));
        Assert.False(obs.Tokens.ContainsKey(c.Id));
        Assert.Equal(2, sim.Metrics.Aborted);
    }

    [Fact]
    public void AbortWithAsyncScheduling_StepScheduledAheadStillRuns_OutputsVoid_NoBlockLeaks()
    {
        var sim = TestSupport.Linear(new EngineConfig { MaxModelLen = 4096, AsyncScheduling = true });
        var obs = new RecordingObserver();
        sim.Observer = obs;
        var rs = Enumerable.Range(0, 8).Select(i => sim.Submit(new RequestSpec(0.001 * i, 64 + i, 20))).ToList();
        sim.AdvanceTo(0.3);
        foreach (var r in rs.Where((_, i) => i % 2 == 0)) Assert.True(sim.Abort(r));
        sim.Run();
        Assert.Equal(rs.Where((_, i) => i % 2 == 1), obs.Finished.OrderBy(r => r.Id));
        Assert.All(rs.Where((_, i) => i % 2 == 1), r => Assert.Equal(20, obs.Tokens[r.Id].Count));
        Assert.Equal(0, sim.Replicas[0].Kv.UsedBlocks);
        Assert.Empty(sim.Replicas[0].Running);
    }
}
