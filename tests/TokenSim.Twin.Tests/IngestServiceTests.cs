using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>The Ingest and Deployments services over a real Kestrel HTTP/2 port.</summary>
public sealed class IngestServiceTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    private static DeploymentSpec Spec(string name) => new()
    {
        Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline",
        Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
    };

    private static Event Arrived(string deployment, string id, int replica, double t, string request, int prompt = 100) => new()
    {
        EventId = id, Deployment = deployment, Replica = replica, ProducedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(t)),
        RequestArrived = new RequestArrived { RequestId = request, PromptTokens = prompt, MaxTokens = 10 },
    };

    [Fact]
    public async Task IngestBatch_MixedBatch_AcknowledgesEachEventWithItsOutcome()
    {
        var deployments = new Deployments.DeploymentsClient(server.Channel);
        var ingest = new Ingest.IngestClient(server.Channel);
        var info = await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("grpc-mixed") });
        Assert.Equal("roofline", info.ResolvedPerfModel);
        Assert.Equal(2000, info.KvBlocks);
        await ingest.IngestBatchAsync(new IngestBatchRequest { Events = { Arrived("grpc-mixed", "e1", 1, 10, "a") } });
        var noPayload = new Event { EventId = "e5", Deployment = "grpc-mixed", ProducedAt = Timestamp.FromDateTimeOffset(T0) };
        var noTime = Arrived("grpc-mixed", "e6", 0, 0, "x");
        noTime.ProducedAt = null;
        var ack = await ingest.IngestBatchAsync(new IngestBatchRequest
        {
            Events =
            {
                Arrived("grpc-mixed", "e1", 1, 10, "a"),
                Arrived("grpc-mixed", "e2", 0, 11, "b"),
                Arrived("grpc-mixed", "e3", 1, 8, "c"),
                Arrived("grpc-mixed", "e4", 0, 11, "d", prompt: -3),
                noPayload,
                noTime,
                Arrived("", "e7", 0, 11, "e"),
            },
        });
        Assert.Equal(
        [
            (Outcome.Duplicate, ""),
            (Outcome.Applied, ""),
            (Outcome.Late, "2.000 s behind replica 1's clock; the bound is 1 s"),
            (Outcome.Invalid, "request_arrived.prompt_tokens must be at least 1 (got -3)"),
            (Outcome.Invalid, "the event carries no payload (request_arrived, first_token, ...)"),
            (Outcome.Invalid, "produced_at is missing"),
            (Outcome.Invalid, "deployment is missing"),
        ], ack.Outcomes.Select(o => (o.Outcome, o.Reason)));
        Assert.Equal(["e1", "e2", "e3", "e4", "e5", "e6", "e7"], ack.Outcomes.Select(o => o.EventId));
        Assert.Equal((1, 1, 1, 4), (ack.Applied, ack.Duplicate, ack.Late, ack.Invalid));
        var metrics = await server.MetricsTextAsync();
        Assert.Contains("tokensim_events_ingested_total{deployment=\"grpc-mixed\",type=\"request_arrived\",outcome=\"applied\"} 2", metrics);
        Assert.Contains("tokensim_events_ingested_total{deployment=\"grpc-mixed\",type=\"request_arrived\",outcome=\"duplicate\"} 1", metrics);
        Assert.Contains("tokensim_replica_running_requests{deployment=\"grpc-mixed\",replica=\"0\",source=\"simulated\"}", metrics);
    }

    [Fact]
    public async Task IngestBatch_UnknownDeployment_IsNotFound()
    {
        var ingest = new Ingest.IngestClient(server.Channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await ingest.IngestBatchAsync(new IngestBatchRequest { Events = { Arrived("nowhere", "e1", 0, 0, "a") } }));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("deployment 'nowhere' is not registered (Deployments.RegisterDeployment)", e.Status.Detail);
        var get = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).GetAccuracyAsync(new GetAccuracyRequest { Deployment = "nowhere" }));
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task IngestBatch_OverTheBatchBound_IsInvalidArgument()
    {
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("grpc-big") });
        var batch = new IngestBatchRequest();
        for (int i = 0; i < 1001; i++) batch.Events.Add(Arrived("grpc-big", $"e{i}", 0, i, $"r{i}"));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Ingest.IngestClient(server.Channel).IngestBatchAsync(batch));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("a batch holds at most 1000 events (got 1001); split it", e.Status.Detail);
    }

    [Fact]
    public async Task RegisterDeployment_UnknownGpu_IsInvalidArgumentNamingIt()
    {
        var spec = Spec("grpc-bad");
        spec.Hardware = "tpu-v9";
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = spec }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("spec.hardware: unknown GPU 'tpu-v9'.", e.Status.Detail);
    }

    [Fact]
    public async Task IngestStream_AcknowledgesEveryBatchAtTheEnd()
    {
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec("grpc-stream") });
        using var call = new Ingest.IngestClient(server.Channel).IngestStream();
        await call.RequestStream.WriteAsync(new IngestBatchRequest { Events = { Arrived("grpc-stream", "s1", 0, 0, "a") } });
        await call.RequestStream.WriteAsync(new IngestBatchRequest { Events = { Arrived("grpc-stream", "s1", 0, 0, "a"), Arrived("grpc-stream", "s2", 0, 1, "b") } });
        await call.RequestStream.CompleteAsync();
        var ack = await call;
        Assert.Equal([Outcome.Applied, Outcome.Duplicate, Outcome.Applied], ack.Outcomes.Select(o => o.Outcome));
        var accuracy = await new Deployments.DeploymentsClient(server.Channel).GetAccuracyAsync(new GetAccuracyRequest { Deployment = "grpc-stream" });
        Assert.Equal(["a", "b"], accuracy.Requests.Select(r => r.RequestId));
        Assert.All(accuracy.Requests, r => Assert.True(r.HasPredictedTtftS && r.PredictedTtftS > 0));
    }

    [Fact]
    public async Task Health_IsServing()
    {
        var reply = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}
