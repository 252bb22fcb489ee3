using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using TokenSim.Contracts.V1;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Server.Sources;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A storage fault mid-stream (Redis killed): the batch in flight is answered UNAVAILABLE, not UNKNOWN, nothing of it
/// is kept, and once the store is back the client's retry applies it, while what was acknowledged before is kept.
/// The real IngestService behind the real interceptor, over a silo whose replica store fails on demand.
/// </summary>
public sealed class StorageFaultTests : IAsyncLifetime
{
    private readonly FlakyReplicaStore _store = new();
    private readonly InProcessTestCluster _cluster;

    public StorageFaultTests()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTokenSimTwin();
            silo.Services.AddSingleton<IReplicaStore>(_store); // replaces the in-memory store: the last registration wins
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static Event Arrived(string id, DateTimeOffset at) => new()
    {
        EventId = id, Deployment = "flaky", Replica = 0, ProducedAt = Timestamp.FromDateTimeOffset(at),
        RequestArrived = new RequestArrived { RequestId = id, PromptTokens = 100, MaxTokens = 10 },
    };

    private async Task<IngestAck> IngestAsync(params Event[] events)
    {
        var metrics = new TokenSimMetrics(Prometheus.Metrics.NewCustomRegistry());
        var service = new IngestService(new TwinSink(_cluster.Client, metrics), metrics, TimeProvider.System);
        var interceptor = new ClusterErrorInterceptor(NullLogger<ClusterErrorInterceptor>.Instance);
        var request = new IngestBatchRequest { Events = { events } };
        return await interceptor.UnaryServerHandler(request, new FakeServerCallContext("/tokensim.v1.Ingest/IngestBatch"), (r, c) => service.IngestBatch(r, c));
    }

    [Fact]
    public async Task StoreDownMidStream_IsUnavailable_KeepsNothingOfTheBatch_AndTheRetryApplies()
    {
        var grain = _cluster.Client.GetGrain<IDeploymentTwinGrain>("flaky");
        await grain.RegisterAsync(new TwinDeploymentSpec { Name = "flaky", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" });
        var t0 = DateTimeOffset.UtcNow;
        Assert.Equal([Outcome.Applied], (await IngestAsync(Arrived("a", t0))).Outcomes.Select(o => o.Outcome));

        _store.Down = true;
        var e = await Assert.ThrowsAsync<RpcException>(() => IngestAsync(Arrived("b", t0.AddSeconds(1))));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("the twin's cluster could not complete the call, retry it: ReplicaStoreUnavailableException: replica 'flaky/0': the store is down (test)", e.Status.Detail);

        _store.Down = false;
        // The retry, as a client sends it: the event acknowledged before is a duplicate, the failed one applies now.
        var retry = await IngestAsync(Arrived("a", t0), Arrived("b", t0.AddSeconds(1)));
        Assert.Equal([Outcome.Duplicate, Outcome.Applied], retry.Outcomes.Select(o => o.Outcome));
        var accuracy = (await grain.GetAccuracyAsync())!;
        Assert.Equal([("a", 0.0), ("b", 1.0)], accuracy.Requests.Select(r => (r.RequestId, Math.Round(r.ArrivalSeconds, 6))));
    }

    [Fact]
    public async Task AnythingElse_KeepsItsOwnStatus()
    {
        var interceptor = new ClusterErrorInterceptor(NullLogger<ClusterErrorInterceptor>.Instance);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => interceptor.UnaryServerHandler<IngestBatchRequest, IngestAck>(
            new IngestBatchRequest(), new FakeServerCallContext("/tokensim.v1.Ingest/IngestBatch"), (_, _) => throw new InvalidOperationException("a defect")));
        Assert.Equal("a defect", e.Message);
    }
}
