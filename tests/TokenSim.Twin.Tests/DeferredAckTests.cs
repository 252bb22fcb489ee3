using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica grain acknowledges a batch before its arrivals are predicted: over a silo whose
/// <see cref="PredictionScheduler"/> runs nothing until the test says so, the acknowledgement comes back with the
/// prediction queued and not run; once run, the predictions are those of a shadow that predicted at the batch's end.
/// </summary>
public sealed class DeferredAckTests : IAsyncLifetime
{
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InProcessTestCluster _cluster;

    public DeferredAckTests()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new PredictionScheduler(_scheduler)); // before AddTokenSimTwin, whose default is TryAdd
            silo.AddTokenSimTwin();
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private const double T0 = 1_780_000_000; // Unix seconds

    [Fact]
    public async Task Ack_ComesBeforeThePrediction_WhichThenMatchesOneMadeAtTheBatchEnd()
    {
        var spec = new TwinDeploymentSpec { Name = "deferred", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" };
        var grain = _cluster.Client.GetGrain<IDeploymentTwinGrain>("deferred");
        await grain.RegisterAsync(spec);
        TwinEvent[] batch = [.. Enumerable.Range(0, 5).Select(i => (TwinEvent)new RequestArrived
        {
            EventId = $"e{i}", Replica = 0, TimeSeconds = T0 + 0.01 * i, RequestId = $"r{i}", PromptTokens = 200 + 50 * i, MaxTokens = 64,
        })];

        // Were the acknowledgement to wait for the prediction, it would never come: nothing runs it until RunAll.
        var ack = await grain.IngestAsync(batch).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(ack.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.Equal(0, _scheduler.Ran);
        Assert.Equal(1, _scheduler.Queued);

        Assert.Equal(1, _scheduler.RunAll());
        var accuracy = (await grain.GetAccuracyAsync().WaitAsync(TimeSpan.FromMinutes(2)))!;
        Assert.All(accuracy.Requests, r => Assert.NotNull(r.PredictedE2eSeconds));

        var reference = new ReplicaShadow(0, DeploymentSpecs.Build(spec), ExecutionTimeModels.Parse("roofline"), new TwinOptions().ShadowOptions()) { OriginUnixSeconds = T0 };
        foreach (var e in batch) Assert.Equal(EventOutcome.Applied, reference.ApplyDeferred(e));
        reference.EndBatch();
        Assert.Equal(reference.Requests, accuracy.Requests);
    }
}
