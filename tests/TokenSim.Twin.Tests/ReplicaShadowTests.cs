using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>The replica shadow on cases small enough to work out by hand: every step lasts 10 ms.</summary>
public sealed class ReplicaShadowTests
{
    private const double Step = 0.010;

    private static ReplicaShadow NewShadow(ShadowOptions? options = null) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
        _ => new FixedStepModel(Step), options ?? new ShadowOptions());

    private static RequestArrived Arrived(string id, double t, int prompt, int maxTokens) =>
        new RequestArrived { EventId = id + "/a", Replica = 0, TimeSeconds = t, RequestId = id, PromptTokens = prompt, MaxTokens = maxTokens };

    private static FirstTokenProduced First(string id, double t) => new FirstTokenProduced { EventId = id + "/f", Replica = 0, TimeSeconds = t, RequestId = id };

    private static RequestFinished Finished(string id, double t, int output) =>
        new RequestFinished { EventId = id + "/d", Replica = 0, TimeSeconds = t, RequestId = id, OutputTokens = output };

    [Fact]
    public void LoneRequest_OnIdleReplica_PredictsOnePrefillStepThenOneStepPerToken()
    {
        var shadow = NewShadow();
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Arrived("r1", 0, 100, 5)));
        var r = Assert.Single(shadow.Requests);
        // Nothing has finished yet, so the prior is max_tokens: 5 tokens. The 100-token prompt fits one step's
        // budget: token 1 at 10 ms, tokens 2..5 at 20..50 ms.
        Assert.Equal(5, r.PredictedOutputTokens);
        Assert.Equal(0.010, r.PredictedTtftSeconds!.Value, 9);
        Assert.Equal(0.010, r.PredictedTpotSeconds!.Value, 9);
        Assert.Equal(0.050, r.PredictedE2eSeconds!.Value, 9);
    }

    [Fact]
    public void Observations_AreRecorded_AndPredictionStaysFrozenAtArrival()
    {
        var shadow = NewShadow();
        shadow.Apply(Arrived("r1", 0, 100, 5));
        var atArrival = Assert.Single(shadow.Requests);
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Arrived("r2", 0.015, 100, 5)));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(First("r1", 0.030)));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Finished("r1", 0.110, 5)));
        var r1 = shadow.Requests.First();
        Assert.Equal(atArrival.PredictedTtftSeconds, r1.PredictedTtftSeconds);
        Assert.Equal(atArrival.PredictedTpotSeconds, r1.PredictedTpotSeconds);
        Assert.Equal(atArrival.PredictedE2eSeconds, r1.PredictedE2eSeconds);
        Assert.Equal(atArrival.PredictedOutputTokens, r1.PredictedOutputTokens);
        Assert.Equal(0.030, r1.ObservedTtftSeconds!.Value, 9);
        Assert.Equal(0.020, r1.ObservedTpotSeconds!.Value, 9); // (0.110 - 0.030) / 4
        Assert.Equal(0.110, r1.ObservedE2eSeconds!.Value, 9);
        Assert.Equal(5, r1.ObservedOutputTokens);
        Assert.Equal([r1], shadow.TakeCompleted());
    }

    [Fact]
    public void Predictor_LearnsFromFinishedRequests()
    {
        var shadow = NewShadow();
        shadow.Apply(Arrived("r1", 0, 100, 8));
        shadow.Apply(First("r1", 0.01));
        shadow.Apply(Finished("r1", 0.05, 4)); // half of its max_tokens
        shadow.Apply(Arrived("r2", 0.06, 100, 20));
        Assert.Equal(10, shadow.Requests.Last().PredictedOutputTokens);
    }

    [Fact]
    public void InvalidEvents_AreRejectedWithTheirReason_AndChangeNothing()
    {
        var shadow = NewShadow();
        Assert.Equal(EventOutcome.Invalid("request_arrived.prompt_tokens must be at least 1 (got 0)"), shadow.Apply(Arrived("r0", 0, 0, 5)));
        Assert.Equal(EventOutcome.Invalid("unknown request 'ghost' on replica 0 (no request_arrived applied for it)"), shadow.Apply(First("ghost", 0.01)));
        shadow.Apply(Arrived("r1", 0, 100, 5));
        Assert.Equal(EventOutcome.Invalid("request 'r1' already arrived on replica 0"), shadow.Apply(Arrived("r1", 0.001, 100, 5) with { EventId = "other" }));
        Assert.Equal(EventOutcome.Invalid("request_finished.output_tokens must be at least 1 (got 0)"), shadow.Apply(Finished("r1", 0.02, 0)));
        Assert.Single(shadow.Requests);
        Assert.Null(shadow.Requests.Single().ObservedE2eSeconds);
    }

    [Fact]
    public void EventOlderThanTheLatenessBound_IsLate_AndWithinItIsAppliedAtTheClock()
    {
        var shadow = NewShadow(new ShadowOptions { LatenessSeconds = 1 });
        shadow.Apply(Arrived("r1", 5, 100, 5));
        Assert.Equal(EventOutcome.Late("1.500 s behind replica 0's clock; the bound is 1 s"), shadow.Apply(Arrived("r2", 3.5, 100, 5)));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Arrived("r3", 4.5, 100, 5)));
        Assert.Equal(5, shadow.Now);
        Assert.Equal(["r1", "r3"], shadow.Requests.Select(r => r.RequestId));
    }

    [Fact]
    public void Snapshot_IsComparedWithTheSimulatedState()
    {
        var shadow = NewShadow();
        shadow.Apply(Arrived("r1", 0, 100, 50));
        shadow.Apply(Arrived("r2", 0, 100, 50));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(new EngineSnapshotTaken { EventId = "s1", Replica = 0, TimeSeconds = 0.1, Running = 3, Waiting = 1 }));
        var s = shadow.Status;
        Assert.Equal(2, s.SimulatedRunning);
        Assert.Equal(0, s.SimulatedWaiting);
        Assert.Equal(3, s.ObservedRunning);
        Assert.Equal(1, s.Snapshots);
        Assert.Equal(3, s.ObservedRunningMean);
        Assert.Equal(2, s.SimulatedRunningMean);
    }
}
