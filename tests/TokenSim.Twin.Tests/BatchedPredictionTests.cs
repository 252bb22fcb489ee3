using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Arrivals whose predictions share one clone and forward run (<see cref="ReplicaShadow.ApplyDeferred"/>) against
/// each predicted on its own (<see cref="ReplicaShadow.Apply"/>), on a replica whose every step lasts 10 ms.
/// </summary>
public sealed class BatchedPredictionTests
{
    private const double Step = 0.010;

    private static ReplicaShadow NewShadow(int? maxNumSeqs = null) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096, MaxNumSeqs = maxNumSeqs }),
        _ => new FixedStepModel(Step), new ShadowOptions());

    private static RequestArrived Arrived(string id, double t, int prompt, int maxTokens) =>
        new RequestArrived { EventId = id + "/a", Replica = 0, TimeSeconds = t, RequestId = id, PromptTokens = prompt, MaxTokens = maxTokens };

    private static RequestFinished Finished(string id, double t, int output) =>
        new RequestFinished { EventId = id + "/d", Replica = 0, TimeSeconds = t, RequestId = id, OutputTokens = output };

    private static List<RequestAccuracy> PerRequest(ReplicaShadow shadow, IEnumerable<TwinEvent> events)
    {
        foreach (var e in events) Assert.Equal(EventOutcome.Applied, shadow.Apply(e));
        return [.. shadow.Requests];
    }

    private static List<RequestAccuracy> Batched(ReplicaShadow shadow, IEnumerable<TwinEvent> events)
    {
        foreach (var e in events) Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(e));
        Assert.Null(shadow.Requests.Last().PredictedTtftSeconds);
        shadow.PredictPending();
        return [.. shadow.Requests];
    }

    [Fact]
    public void RequestsThatDoNotCompete_BatchedPredictionEqualsPerRequestPrediction()
    {
        // Step time does not depend on the batch and every request fits the batch and the KV cache, so an arrival
        // cannot change another's timing: seeing r2 (and r3) as real arrivals in r1's clone, instead of the steady
        // arrivals its own prediction assumes, must change nothing, and so must r2's clone being taken at r1's arrival.
        TwinEvent[] events = [Arrived("r1", 0, 100, 5), Arrived("r2", 0.005, 100, 5), Arrived("r3", 0.012, 300, 3)];
        var alone = PerRequest(NewShadow(), events);
        var batched = Batched(NewShadow(), events);
        Assert.Equal(alone, batched);
        // By hand: r1's prompt fits one step, token 1 at 10 ms, tokens 2..5 at 20..50 ms, whatever else arrives.
        Assert.Equal(0.010, batched[0].PredictedTtftSeconds!.Value, 9);
        Assert.Equal(0.010, batched[0].PredictedTpotSeconds!.Value, 9);
        Assert.Equal(0.050, batched[0].PredictedE2eSeconds!.Value, 9);
        Assert.All(batched, r => Assert.NotNull(r.PredictedE2eSeconds));
    }

    [Fact]
    public void FinishBetweenTwoArrivalsOfOneGroup_IsNotSeenByTheLaterPrediction()
    {
        // One sequence at a time. r0 runs; r1 arrives and waits; production finishes r0 (after 2 of its 50 tokens);
        // then r2 arrives. On its own, r2's prediction starts from a state without r0. Batched, it shares r1's clone,
        // taken before r0's finish was known: r0 still runs there to its predicted 50 tokens, and r2 waits for it.
        TwinEvent[] events = [Arrived("r0", 0, 100, 50), Arrived("r1", 0.001, 100, 5), Finished("r0", 0.025, 2), Arrived("r2", 0.026, 100, 5)];
        var alone = PerRequest(NewShadow(maxNumSeqs: 1), events);
        var shadow = NewShadow(maxNumSeqs: 1);
        Assert.Equal(EventOutcome.Applied, shadow.Apply(events[0]));
        var batched = Batched(shadow, events[1..]);
        Assert.Equal(alone[1], batched[1]);
        Assert.True(batched[2].PredictedTtftSeconds > alone[2].PredictedTtftSeconds + 0.1,
            $"batched r2 TTFT {batched[2].PredictedTtftSeconds} vs alone {alone[2].PredictedTtftSeconds}");
    }
}
