using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DeploymentTwinGrainTests(ClusterFixture fixture)
{
    private static TwinDeploymentSpec Spec(string name, int replicas = 2) => new() { Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = replicas, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" };

    private const double T0 = 1_780_000_000; // Unix seconds

    private static RequestArrived Arrived(string eventId, int replica, double t, string request, int prompt = 100) =>
        new RequestArrived { EventId = eventId, Replica = replica, TimeSeconds = T0 + t, RequestId = request, PromptTokens = prompt, MaxTokens = 10 };

    [Fact]
    public async Task Ingest_UnregisteredDeployment_IsNotFoundAndAppliesNothing()
    {
        var result = await fixture.Grains.GetGrain<IDeploymentTwinGrain>("nobody").IngestAsync([Arrived("e1", 0, 0, "r1")]);
        Assert.False(result.Found);
        Assert.Null(await fixture.Grains.GetGrain<IDeploymentTwinGrain>("nobody").GetAsync());
    }

    [Fact]
    public async Task Register_UnknownModel_NamesTheProblem()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Grains.GetGrain<IDeploymentTwinGrain>("bad").RegisterAsync(Spec("bad") with { Model = "gpt-9" }));
        Assert.StartsWith("spec.model: unknown model 'gpt-9'.", e.Message);
    }

    [Fact]
    public async Task Register_ReportsTheResolvedModelAndKvBlocks()
    {
        var summary = await fixture.Grains.GetGrain<IDeploymentTwinGrain>("reg").RegisterAsync(Spec("reg"));
        Assert.Equal("roofline", summary.ResolvedPerfModel);
        Assert.Equal(2000, summary.KvBlocks);
        Assert.Equal(0, summary.EventsApplied);
    }

    [Fact]
    public async Task Ingest_MixedBatch_EachEventGetsItsExactOutcome_AndTheRestApplies()
    {
        var grain = fixture.Grains.GetGrain<IDeploymentTwinGrain>("mixed");
        await grain.RegisterAsync(Spec("mixed"));
        var first = await grain.IngestAsync([Arrived("e1", 0, 10, "a"), Arrived("e2", 1, 10, "b")]);
        Assert.All(first.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        var result = await grain.IngestAsync(
        [
            Arrived("e1", 0, 10, "a"),                // a repeat of an applied event
            Arrived("e3", 0, 12, "c"),                // applied
            Arrived("e3", 0, 12, "c"),                // repeated inside the batch
            Arrived("e4", 1, 8.5, "d"),               // 1.5 s behind replica 1's clock; the bound is 1 s
            Arrived("e5", 0, 12, "e", prompt: 0),     // malformed
            Arrived("e6", 7, 12, "f"),                // no such replica
            Arrived("", 0, 12, "g"),                  // no event id
            Arrived("e8", 1, 9.5, "h"),               // out of order but within the bound: applied at the clock
        ]);
        Assert.True(result.Found);
        Assert.Equal(
        [
            EventOutcome.Duplicate,
            EventOutcome.Applied,
            EventOutcome.Duplicate,
            EventOutcome.Late("1.500 s behind replica 1's clock; the bound is 1 s"),
            EventOutcome.Invalid("request_arrived.prompt_tokens must be at least 1 (got 0)"),
            EventOutcome.Invalid("replica 7 is outside 0..1 of deployment 'mixed'"),
            EventOutcome.Invalid("event_id must be 1 to 128 characters"),
            EventOutcome.Applied,
        ], result.Outcomes);
        Assert.Equal(4, (await grain.GetAsync())!.EventsApplied);
        var accuracy = (await grain.GetAccuracyAsync())!;
        Assert.Equal(["a", "c", "b", "h"], accuracy.Requests.Select(r => r.RequestId));
        // The deployment clock starts at its first event (T0 + 10 s); h arrived 0.5 s before it.
        Assert.Equal([0.0, 2.0, 0.0, -0.5], accuracy.Requests.Select(r => r.ArrivalSeconds));
    }

    [Fact]
    public async Task Register_AfterEventsUnderAnotherSpec_IsRefused()
    {
        var grain = fixture.Grains.GetGrain<IDeploymentTwinGrain>("frozen");
        await grain.RegisterAsync(Spec("frozen"));
        await grain.IngestAsync([Arrived("e1", 0, 0, "a")]);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.RegisterAsync(Spec("frozen", replicas: 3)));
        Assert.Equal("Deployment 'frozen' has applied 1 events under its current spec; register the new spec under a new name.", e.Message);
        Assert.Equal(1, (await grain.RegisterAsync(Spec("frozen"))).EventsApplied);
    }

    [Fact]
    public async Task ReplicaDeactivated_KeepsItsRecordsAndSeenEventIds()
    {
        var grain = fixture.Grains.GetGrain<IDeploymentTwinGrain>("reactivated");
        await grain.RegisterAsync(Spec("reactivated"));
        await grain.IngestAsync([Arrived("e1", 0, 0, "a")]);
        var replica = fixture.Grains.GetGrain<IReplicaTwinGrain>("reactivated/0");
        await fixture.Cluster.DeactivateAsync(replica);
        var again = await grain.IngestAsync([Arrived("e1", 0, 0, "a"), Arrived("e2", 0, 1, "b")]);
        Assert.Equal([EventOutcome.Duplicate, EventOutcome.Applied], again.Outcomes);
        var accuracy = (await grain.GetAccuracyAsync())!;
        Assert.Equal(["a", "b"], accuracy.Requests.Select(r => r.RequestId));
        Assert.NotNull(accuracy.Requests[0].PredictedTtftSeconds);
    }

    [Fact]
    public async Task ConcurrentBatches_EachCallerGetsItsOwnOutcomes_AndEachCompletionIsReportedOnce()
    {
        // Calls that arrive while a round is applied are applied together in the next one: each caller must still
        // get exactly its own events' outcomes, in its order, and a finished request must be reported once. Which
        // calls share a round varies, so every event stays within the 1 s lateness bound of the others on its replica.
        var grain = fixture.Grains.GetGrain<IDeploymentTwinGrain>("concurrent");
        await grain.RegisterAsync(Spec("concurrent", replicas: 3));
        var calls = Enumerable.Range(0, 6).Select(c => grain.IngestAsync(
        [
            Arrived($"c{c}/a", c % 3, 1 + c * 0.01, $"r{c}"),
            Arrived($"c{c}/bad", 9, 1 + c * 0.01, $"x{c}"),
            new RequestFinished { EventId = $"c{c}/d", Replica = c % 3, TimeSeconds = T0 + 1.5 + c * 0.01, RequestId = $"r{c}", OutputTokens = 5 },
        ])).ToArray();
        var results = await Task.WhenAll(calls);
        foreach (var r in results)
        {
            Assert.Equal(3, r.Outcomes.Length);
            Assert.Equal(EventOutcome.Applied, r.Outcomes[0]);
            Assert.Equal(EventOutcomeKind.Invalid, r.Outcomes[1].Kind);
            Assert.Equal(EventOutcome.Applied, r.Outcomes[2]);
        }
        Assert.Equal(Enumerable.Range(0, 6).Select(c => $"r{c}").Order(), results.SelectMany(r => r.Completed).Select(x => x.RequestId).Order());
        Assert.Equal(12, (await grain.GetAsync())!.EventsApplied);
    }
}
