using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Hostile input over the real gRPC port: each bad event is refused on its own (INVALID with the reason) and what the
/// deployment had already accepted, or accepts after it, is as if the bad event had never been sent.
/// </summary>
public sealed class HostileIngestTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    private static DeploymentSpec Spec(string name) => new()
    {
        Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, PerfModel = "roofline",
        Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
    };

    private static Event Arrived(string deployment, string id, Timestamp at, string request, int prompt = 100) => new()
    {
        EventId = id, Deployment = deployment, Replica = 0, ProducedAt = at,
        RequestArrived = new RequestArrived { RequestId = request, PromptTokens = prompt, MaxTokens = 10 },
    };

    private static Timestamp Now(double plusSeconds = 0) => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(plusSeconds));

    private async Task<IngestAck> SendAsync(params Event[] events) =>
        await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest { Events = { events } });

    [Fact]
    public async Task FarFutureFirstEvents_AreInvalid_AndTheDeploymentStaysUsable()
    {
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-future") });
        var year9999 = Timestamp.FromDateTimeOffset(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero));
        var beyondProtobuf = new Timestamp { Seconds = 1L << 62 };
        var ack = await SendAsync(Arrived("hostile-future", "f1", year9999, "f1"), Arrived("hostile-future", "f2", beyondProtobuf, "f2"));
        Assert.Equal([Outcome.Invalid, Outcome.Invalid], ack.Outcomes.Select(o => o.Outcome));
        Assert.StartsWith("produced_at 9999-12-31T00:00:00Z is outside the accepted window: at most 300 s ahead of the later of deployment 'hostile-future''s clock and the server's clock (",
            ack.Outcomes[0].Reason);
        Assert.Equal("produced_at (seconds 4611686018427387904, nanos 0) is outside the protobuf Timestamp range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z",
            ack.Outcomes[1].Reason);
        Assert.Equal(0, (await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "hostile-future" })).EventsApplied);

        // The clock starts at the first good event, and later good events are neither late nor refused.
        var t0 = DateTimeOffset.UtcNow;
        var good = await SendAsync(Arrived("hostile-future", "g1", Timestamp.FromDateTimeOffset(t0), "g1"), Arrived("hostile-future", "g2", Timestamp.FromDateTimeOffset(t0.AddSeconds(2)), "g2"));
        Assert.Equal([Outcome.Applied, Outcome.Applied], good.Outcomes.Select(o => o.Outcome));
        var accuracy = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "hostile-future" });
        Assert.Equal([("g1", 0.0), ("g2", 2.0)], accuracy.Requests.Select(r => (r.RequestId, Math.Round(r.ArrivalS, 6))));
        // Re-registering the same spec after events were applied is still accepted (a different one is refused).
        Assert.Equal(2, (await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-future") })).EventsApplied);
    }

    [Fact]
    public async Task FutureEventAfterAcceptedOnes_IsInvalid_AndChangesNothing()
    {
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-later") });
        Assert.Equal(Outcome.Applied, (await SendAsync(Arrived("hostile-later", "a", Now(), "a"))).Outcomes[0].Outcome);
        var bad = await SendAsync(Arrived("hostile-later", "b", Now(3600), "b"));
        Assert.Equal(Outcome.Invalid, bad.Outcomes[0].Outcome);
        Assert.Contains("is outside the accepted window: at most 300 s ahead", bad.Outcomes[0].Reason);
        // Had the replica's clock jumped an hour, this one would be LATE.
        Assert.Equal(Outcome.Applied, (await SendAsync(Arrived("hostile-later", "c", Now(1), "c"))).Outcomes[0].Outcome);
        var accuracy = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "hostile-later" });
        Assert.Equal(["a", "c"], accuracy.Requests.Select(r => r.RequestId));
        Assert.Equal(2, (await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "hostile-later" })).EventsApplied);
    }

    [Fact]
    public async Task UnixEpoch_IsOutsideTheWindow_NotMissing()
    {
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-epoch") });
        var ack = await SendAsync(Arrived("hostile-epoch", "e", new Timestamp(), "e"));
        Assert.Equal((Outcome.Invalid, "produced_at 1970-01-01T00:00:00Z is outside the accepted window: it must be after the Unix epoch, 1970-01-01T00:00:00Z"),
            (ack.Outcomes[0].Outcome, ack.Outcomes[0].Reason));
    }

    [Fact]
    public async Task PrefixHashesBeyondThePrompt_AreInvalid_AndChangeNothing()
    {
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-hashes") });
        Assert.Equal(Outcome.Applied, (await SendAsync(Arrived("hostile-hashes", "a", Now(), "a"))).Outcomes[0].Outcome);
        var flood = Arrived("hostile-hashes", "b", Now(), "b", prompt: 16);
        flood.RequestArrived.PrefixBlockHashes.Add(Enumerable.Range(0, 100_000).Select(i => (long)i));
        // 17 tokens fill two blocks of 16 (the second partly): two hashes are the most that describe it.
        var fits = Arrived("hostile-hashes", "c", Now(), "c", prompt: 17);
        fits.RequestArrived.PrefixBlockHashes.Add([1L, 2L]);
        var ack = await SendAsync(flood, fits);
        Assert.Equal(
            [(Outcome.Invalid, "request_arrived.prefix_block_hashes has 100000 hashes; a 16-token prompt fills at most 1 blocks of 16 tokens"), (Outcome.Applied, "")],
            ack.Outcomes.Select(o => (o.Outcome, o.Reason)));
        var accuracy = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "hostile-hashes" });
        Assert.Equal(["a", "c"], accuracy.Requests.Select(r => r.RequestId));
    }

    [Fact]
    public async Task OutputBeyondTheContext_IsInvalid_AndTheRequestFinishesAsObserved()
    {
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("hostile-output") });
        var t = Now();
        Event At(string id, double plus) => new() { EventId = id, Deployment = "hostile-output", Replica = 0, ProducedAt = Timestamp.FromDateTimeOffset(t.ToDateTimeOffset().AddSeconds(plus)) };
        var first = At("f", 0.1);
        first.FirstToken = new FirstToken { RequestId = "a" };
        // 2^31 - 1 output tokens in a second was applied: the request's observed TPOT became 0.5 ns.
        var flood = At("p", 1);
        flood.TokensProgress = new TokensProgress { RequestId = "a", OutputTokens = int.MaxValue };
        var finishedFlood = At("d1", 1.5);
        finishedFlood.RequestFinished = new RequestFinished { RequestId = "a", OutputTokens = 4096 };
        var finished = At("d2", 1.5);
        finished.RequestFinished = new RequestFinished { RequestId = "a", OutputTokens = 10 };
        var ack = await SendAsync(Arrived("hostile-output", "a", t, "a"), first, flood, finishedFlood, finished);
        Assert.Equal(
            [(Outcome.Applied, ""), (Outcome.Applied, ""),
             (Outcome.Invalid, "tokens_progress.output_tokens 2147483647 does not fit the model's 4096-token context beside a prompt"),
             (Outcome.Invalid, "request_finished.output_tokens 4096 does not fit the model's 4096-token context beside a prompt"),
             (Outcome.Applied, "")],
            ack.Outcomes.Select(o => (o.Outcome, o.Reason)));
        var request = Assert.Single((await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "hostile-output" })).Requests);
        Assert.Equal(10, request.ObservedOutputTokens);
        Assert.Equal(1.4 / 9, request.ObservedTpotS, 6);
    }

    [Fact]
    public async Task RegisterDeployment_ZeroReplicas_IsInvalidArgument_NotOne()
    {
        var spec = Spec("hostile-zero");
        spec.Replicas = 0;
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = spec }));
        Assert.Equal((StatusCode.InvalidArgument, "spec.replicas must be 1 to 1024 (got 0)."), (e.StatusCode, e.Status.Detail));
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "hostile-zero" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
