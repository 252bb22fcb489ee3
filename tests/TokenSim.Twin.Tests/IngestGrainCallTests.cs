using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Orleans.TestingHost;
using TokenSim.Contracts.V1;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Server.Sources;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>
/// One ingest path: a batch costs one deployment grain call per deployment it names (no <c>GetAsync</c> before it),
/// counted by a silo filter on every call a deployment grain receives, through the real IngestService.
/// </summary>
public sealed class IngestGrainCallTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly InProcessTestCluster _cluster;
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow;

    public IngestGrainCallTests()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTokenSimTwin();
            silo.AddIncomingGrainCallFilter(context =>
            {
                if (context.InterfaceMethod?.DeclaringType == typeof(IDeploymentTwinGrain)) _calls.Enqueue($"{context.TargetId.Key}.{context.MethodName}");
                return context.Invoke();
            });
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static Event Arrived(string deployment, int i) => new()
    {
        EventId = $"{deployment}-{i}", Deployment = deployment, Replica = i % 2, ProducedAt = Timestamp.FromDateTimeOffset(T0.AddMilliseconds(i)),
        RequestArrived = new RequestArrived { RequestId = $"r{i}", PromptTokens = 100, MaxTokens = 10 },
    };

    private async Task<IngestAck> IngestAsync(IngestService service, IEnumerable<Event> events) =>
        await service.IngestBatch(new IngestBatchRequest { Events = { events } }, new FakeServerCallContext("/tokensim.v1.Ingest/IngestBatch"));

    private async Task RegisterAsync(string name) => await _cluster.Client.GetGrain<IDeploymentTwinGrain>(name).RegisterAsync(new TwinDeploymentSpec
    {
        Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline",
    });

    private string[] TakeCalls()
    {
        var calls = _calls.ToArray();
        _calls.Clear();
        return calls;
    }

    [Fact]
    public async Task ABatch_IsOneGrainCallPerDeploymentItNames()
    {
        await RegisterAsync("calls-a");
        await RegisterAsync("calls-b");
        var metrics = new TokenSimMetrics(Prometheus.Metrics.NewCustomRegistry());
        var service = new IngestService(new TwinSink(_cluster.Client, metrics), metrics, TimeProvider.System);
        TakeCalls();

        // One deployment: the ingest call alone, however many events (up to the contract's bound).
        var ack = await IngestAsync(service, Enumerable.Range(0, 1000).Select(i => Arrived("calls-a", i)));
        Assert.Equal(1000, ack.Applied);
        Assert.Equal(["calls-a.IngestAsync"], TakeCalls());

        // Two deployments: the first time, each name is looked up once so that nothing of a batch naming an unknown
        // deployment is applied; after that, one ingest call each.
        var both = Enumerable.Range(1000, 10).Select(i => Arrived(i % 2 == 0 ? "calls-a" : "calls-b", i)).ToArray();
        Assert.Equal(10, (await IngestAsync(service, both)).Applied);
        Assert.Equal(["calls-a.IngestAsync", "calls-b.GetAsync", "calls-b.IngestAsync"], TakeCalls().Order());
        var again = Enumerable.Range(1010, 10).Select(i => Arrived(i % 2 == 0 ? "calls-a" : "calls-b", i)).ToArray();
        Assert.Equal(10, (await IngestAsync(service, again)).Applied);
        Assert.Equal(["calls-a.IngestAsync", "calls-b.IngestAsync"], TakeCalls().Order());
    }
}
