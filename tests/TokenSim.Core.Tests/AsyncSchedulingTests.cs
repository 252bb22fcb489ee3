using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>vLLM 0.19's async scheduling: step N+1 is scheduled while step N runs (VLLM-V1-ENGINE.md §1).</summary>
public class AsyncSchedulingTests
{
    [Fact]
    public void IsTheDefaultForV1_NotForV0()
    {
        Assert.True(TestSupport.Spec().AsyncScheduling);
        Assert.False(TestSupport.Spec(new EngineConfig { Scheduler = "vllm-v0" }).AsyncScheduling);
    }

    [Fact]
    public void OneRequestAlone_StartsWithoutAddedLatency()
    {
        // From idle the engine schedules twice back to back, so a lone request sees the same times as in sync mode.
        var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 2048 });
        var r = sim.Submit(new RequestSpec(1.0, 100, 5));
        var obs = new RecordingObserver();
        sim.Observer = obs;
        sim.Run();
        Assert.Equal(0.110, r.TtftSeconds, 12);
        Assert.Equal([1.110, 1.121, 1.132, 1.143, 1.154], obs.Tokens[r.Id].Select(t => Math.Round(t, 9)));
        Assert.Equal(5, sim.Metrics.Steps); // no step is scheduled for a request whose last token is in flight
    }

    [Fact]
    public void ArrivalDuringAStep_JoinsOneStepLater()
    {
        // A (100 + 10) at 0; B (20 + 2) at 0.05, while A's prefill runs [0, 0.110].
        // Sync: B joins the step that starts at 0.110 (A decode + B 20 = 31 ms) → B's first token at 0.141.
        // Async: the step starting at 0.110 was scheduled at 0 (A decode, 11 ms); B joins the next → 0.121 + 0.031 = 0.152.
        double Ttft(bool async)
        {
            var sim = TestSupport.Linear(new EngineConfig { MaxNumBatchedTokens = 2048, MaxModelLen = 4096, AsyncScheduling = async });
            sim.Submit(new RequestSpec(0, 100, 10));
            var b = sim.Submit(new RequestSpec(0.05, 20, 2));
            sim.Run();
            return b.TtftSeconds;
        }
        Assert.Equal(0.091, Ttft(false), 12);
        Assert.Equal(0.102, Ttft(true), 12);
    }

    [Theory]
    [InlineData(false, 0.063)]
    [InlineData(true, 0.074)]
    public void FinishedRequest_FreesItsSlotForTheStepAfterNext(bool async, double bFirstToken)
    {
        // max_num_seqs 2; A (10 + 2) and C (10 + 10) run, B (10 + 1) waits. Step = 10 ms + 1 ms/token.
        // [0, 0.030] A and C prefill; [0.030, 0.042] A and C decode, A finishes; B is admitted at 0.042 in both modes.
        // Sync: B's prefill runs in the step starting at 0.042 (C + B = 11 tokens) → first token 0.063.
        // Async: the step starting at 0.042 (C alone, 11 ms) was scheduled while A held the slot → B runs [0.053, 0.074].
        var sim = TestSupport.Linear(new EngineConfig { MaxNumSeqs = 2, MaxNumBatchedTokens = 2048, MaxModelLen = 4096, AsyncScheduling = async });
        var a = sim.Submit(new RequestSpec(0, 10, 2));
        sim.Submit(new RequestSpec(0, 10, 10));
        var b = sim.Submit(new RequestSpec(0, 10, 1));
        sim.Run();
        Assert.Equal(0.042, a.FinishTime, 12);
        Assert.Equal(0.042, b.ScheduledTime, 12);
        Assert.Equal(bFirstToken, b.FirstTokenTime, 12);
    }
}
