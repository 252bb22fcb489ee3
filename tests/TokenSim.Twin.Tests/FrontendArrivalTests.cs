using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// An arrival a frontend saw (a gateway) is predicted from the arrival, an engine's queued one from when the engine
/// queued it. vLLM takes requests from its input queue only between steps, so the two differ by the wait for the
/// step in flight. Every step lasts 10 ms, so the wait is known by hand.
/// </summary>
public sealed class FrontendArrivalTests
{

    private static RequestAccuracy[] Predict(bool frontend)
    {
        var shadow = new ReplicaShadow(0,
            DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
            _ => new FixedStepModel(0.010), new ShadowOptions { LatenessSeconds = 1 });
        TwinEvent Arrived(string id, double t) => new RequestArrived
        {
            EventId = id, Replica = 0, TimeSeconds = t, RequestId = id, PromptTokens = 100, MaxTokens = 20,
            FrontendArrival = frontend,
        };
        // a reaches an idle engine at 0 and its first step runs 0–10 ms; b arrives 4 ms into that step.
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Arrived("a", 0)));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Arrived("b", 0.004)));
        return [.. shadow.Requests];
    }

    [Fact]
    public void FrontendArrival_IsPredictedFromTheArrival_IncludingTheWaitForTheStepInFlight()
    {
        var engine = Predict(frontend: false);
        var frontend = Predict(frontend: true);
        // a found the engine idle: nothing to wait for, the same either way.
        Assert.Equal(engine[0].PredictedTtftSeconds!.Value, frontend[0].PredictedTtftSeconds!.Value, 12);
        Assert.Equal(engine[0].PredictedE2eSeconds!.Value, frontend[0].PredictedE2eSeconds!.Value, 12);
        // b waited 6 ms for the step in flight to end before the engine queued it: in its frontend-clock TTFT and E2E.
        Assert.Equal(0.006, frontend[1].PredictedTtftSeconds!.Value - engine[1].PredictedTtftSeconds!.Value, 9);
        Assert.Equal(0.006, frontend[1].PredictedE2eSeconds!.Value - engine[1].PredictedE2eSeconds!.Value, 9);
        Assert.Equal(engine[1].PredictedTpotSeconds!.Value, frontend[1].PredictedTpotSeconds!.Value, 12);
    }
}
