using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// How a request's span (request_observed, stamped at its finish) enters a replica: it closes a request the replica saw
/// arrive, records one it never saw, is never late, and adds to what a gateway already observed without overriding it.
/// Every step lasts 10 ms, so the simulated side is worked out by hand.
/// </summary>
public sealed class ReplicaShadowSpanTests
{

    private static ReplicaShadow NewShadow() => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
        _ => new FixedStepModel(0.010), new ShadowOptions { LatenessSeconds = 1 });

    private static RequestArrived Arrived(string id, double t, int prompt, int maxTokens) =>
        new RequestArrived { EventId = id + "/a", Replica = 0, TimeSeconds = t, RequestId = id, PromptTokens = prompt, MaxTokens = maxTokens };

    private static RequestFinished Finished(string id, double t, int output) =>
        new RequestFinished { EventId = id + "/d", Replica = 0, TimeSeconds = t, RequestId = id, OutputTokens = output };

    private static EngineSnapshotTaken Snapshot(double t) => new EngineSnapshotTaken { EventId = $"s{t}", Replica = 0, TimeSeconds = t };

    private static RequestObserved Span(string id, double arrival, int prompt, int output, double e2e, double ttft = 0.02, double decode = 0.5, string spanId = "x") => new RequestObserved
    {
        EventId = "span:" + spanId + id, Replica = 0, TimeSeconds = arrival + e2e, RequestId = id,
        PromptTokens = prompt, OutputTokens = output, MaxTokens = 100, E2eSeconds = e2e, TtftSeconds = ttft, QueueSeconds = 0.001, PrefillSeconds = 0.019, DecodeSeconds = decode,
    };

    [Fact]
    public void SpanOfAnUnseenRequest_IsRecordedAsObserved_EvenFarBehindTheLatenessBound()
    {
        var shadow = NewShadow();
        shadow.Apply(Snapshot(100));
        // Finished 60 s before the replica's clock (bound 1 s): still recorded, nothing simulated changes.
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Span("chatcmpl-s", 30, 200, 51, 10, decode: 5)));
        var r = Assert.Single(shadow.Requests);
        Assert.Equal((30.0, 51, 10.0, 0.1), (r.ArrivalSeconds, r.ObservedOutputTokens!.Value, r.ObservedE2eSeconds!.Value, r.ObservedTpotSeconds!.Value));
        Assert.False(r.ArrivalObserved);
        Assert.Null(r.PredictedTtftSeconds);
        Assert.Equal((0, 0), (shadow.Status.SimulatedRunning, shadow.Status.SimulatedWaiting));
        Assert.Single(shadow.TakeCompleted());
        // Its output length teaches the predictor (51 of max_tokens 100).
        Assert.Equal(51, shadow.Predictor.Predict(100));
    }

    [Fact]
    public void SpansOfUnseenRequests_FallUnderTheRecordsBound_AndTheTotalsKeepEveryOne()
    {
        var shadow = new ReplicaShadow(0,
            DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
            _ => new FixedStepModel(0.010), new ShadowOptions { LatenessSeconds = 1, MaxRecords = 100 });
        // 1,000 spans in batches of 10 (the grain evicts at the end of each batch): a span-only ingest never grows past
        // the bound plus one batch.
        for (int b = 0; b < 100; b++)
        {
            for (int i = 0; i < 10; i++)
            {
                int n = b * 10 + i;
                Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(Span($"chatcmpl-{n}", n, 200, 11, 0.5)));
            }
            shadow.PredictPending();
            Assert.True(shadow.Requests.Count() <= 100, $"{shadow.Requests.Count()} records kept after batch {b}");
        }
        // Evicted down to 15/16 of the bound at a time; the newest are kept.
        Assert.Equal("chatcmpl-999", shadow.Requests.Last().RequestId);
        var totals = shadow.Totals;
        Assert.Equal(1000, totals.Closed);
        Assert.Equal(1000 - shadow.Requests.Count(), totals.Evicted);
    }

    [Fact]
    public void SpanOfAGatewayKnownRequest_FinishesIt_MatchingWithoutVllmsPrefix()
    {
        var shadow = NewShadow();
        shadow.Apply(Arrived("g1", 0, 100, 500));
        Assert.Equal(1, shadow.Status.SimulatedRunning + shadow.Status.SimulatedWaiting);
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Span("chatcmpl-g1", 0, 100, 11, 0.6, decode: 0.5)));
        var r = Assert.Single(shadow.Requests);
        Assert.Equal("g1", r.RequestId);
        Assert.True(r.ArrivalObserved);
        Assert.NotNull(r.PredictedTtftSeconds);
        Assert.Equal((1, 11, 0.6, 0.05, 0.02), (r.Spans, r.ObservedOutputTokens!.Value, r.ObservedE2eSeconds!.Value, r.ObservedTpotSeconds!.Value, r.ObservedTtftSeconds!.Value));
        // Production is done with it: the simulation released it.
        Assert.Equal(0, shadow.Status.SimulatedRunning + shadow.Status.SimulatedWaiting);
        // The gateway's finish arriving after the span is applied and keeps the span's figures.
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Finished("g1", 0.61, 11)));
        Assert.Equal(0.6, shadow.Requests.Single().ObservedE2eSeconds!.Value, 9);
        Assert.Single(shadow.TakeCompleted());
    }

    [Fact]
    public void SpanAfterTheGatewaysFinish_AddsEnginePhases_AndKeepsTheGatewaysLatencies()
    {
        var shadow = NewShadow();
        shadow.Apply(Arrived("g2", 0, 100, 500));
        shadow.Apply(Finished("g2", 0.7, 11));
        Assert.Equal(EventOutcome.Applied, shadow.Apply(Span("g2", 0, 100, 11, 0.65)));
        var r = Assert.Single(shadow.Requests);
        Assert.Equal((0.7, 1, 0.001, 0.019, 0.5), (r.ObservedE2eSeconds!.Value, r.Spans, r.ObservedQueueSeconds!.Value, r.ObservedPrefillSeconds!.Value, r.ObservedDecodeSeconds!.Value));
        // Completed once, at the gateway's finish.
        Assert.Single(shadow.TakeCompleted());
    }

    [Fact]
    public void SecondSpanOfOneRequest_OrASpanOfAnAbortedOne_IsInvalid()
    {
        var shadow = NewShadow();
        shadow.Apply(Span("n2", 0, 100, 5, 0.5));
        Assert.Equal("request 'n2' on replica 0 already has its span (vLLM gives each child of an n > 1 request a span of the same id)",
            shadow.Apply(Span("n2", 0, 100, 5, 0.5, spanId: "y")).Reason);
        shadow.Apply(Arrived("ab", 1, 100, 50));
        shadow.Apply(new RequestAborted { EventId = "ab/x", Replica = 0, TimeSeconds = 1.1, RequestId = "ab" });
        Assert.Equal(EventOutcomeKind.Invalid, shadow.Apply(Span("ab", 1, 100, 5, 0.5)).Kind);
        Assert.Equal("request_observed.e2e must be a duration of 0 s or more (got none)",
            shadow.Apply(Span("bad", 1, 100, 5, 0.5) with { E2eSeconds = null }).Reason);
    }
}
