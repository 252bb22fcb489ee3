using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica grain acknowledges batches while forecasts run: over a silo whose <see cref="PredictionScheduler"/> runs
/// nothing until the test says so, a batch whose snapshot issues a scored forecast, and a batch that comes while a
/// caller's forecast is held, are both acknowledged with the forecast queued and not run.
/// </summary>
public sealed class DeferredForecastAckTests : IAsyncLifetime
{
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InProcessTestCluster _cluster;

    public DeferredForecastAckTests()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new PredictionScheduler(_scheduler)); // before AddTokenSimTwin, whose default is TryAdd
            silo.AddTokenSimTwin();
            silo.Services.Configure<TwinOptions>(o => o.ForecastsOffTurn = true);
        });
        _cluster = builder.Build();
    }

    public Task InitializeAsync() => _cluster.DeployAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private const double T0 = 1_780_000_000; // Unix seconds

    private static TwinEvent[] Arrivals(int batch, double at) => [.. Enumerable.Range(0, 4).Select(i => (TwinEvent)new RequestArrived
    {
        EventId = $"b{batch}-{i}", Replica = 0, TimeSeconds = at + 0.01 * i, RequestId = $"b{batch}-{i}", PromptTokens = 200 + 50 * i, MaxTokens = 64,
    })];

    [Fact]
    public async Task Ack_DoesNotWaitForAScoredForecast_NorForACallersForecast()
    {
        var spec = new TwinDeploymentSpec { Name = "offturn", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" };
        var grain = _cluster.Client.GetGrain<IDeploymentTwinGrain>("offturn");
        var forecasts = _cluster.Client.GetGrain<IDeploymentForecastGrain>("offturn");
        await grain.RegisterAsync(spec);

        // The snapshot issues a scored forecast; were the acknowledgement to wait for it, it would never come.
        var ack = await grain.IngestAsync([.. Arrivals(0, T0), new EngineSnapshotTaken { EventId = "s0", Replica = 0, TimeSeconds = T0 + 0.5, Running = 4, Waiting = 0 }])
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(ack.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.Equal(0, _scheduler.Ran);
        Assert.Equal(2, _scheduler.Queued); // the arrivals' prediction and the scored forecast

        // A caller's forecast forks on the replica's turn and is held on the scheduler; a batch is acknowledged meanwhile.
        var forecast = forecasts.ForecastAsync(new ForecastSpec { HorizonSeconds = 2, StepSeconds = 1, Seeds = 2 }, 0);
        while (_scheduler.Queued < 3 && !forecast.IsCompleted) await Task.Delay(10);
        Assert.False(forecast.IsCompleted, "the forecast ran without the scheduler");
        var second = await grain.IngestAsync(Arrivals(1, T0 + 1)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(second.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.False(forecast.IsCompleted);
        Assert.Equal(0, _scheduler.Ran);

        Assert.Equal(4, _scheduler.RunAll());
        var result = (await forecast.WaitAsync(TimeSpan.FromMinutes(2)))!;
        var replica = Assert.Single(result.Replicas);
        Assert.Equal(2, replica.Seeds);
        Assert.True(replica.SimulatedSteps > 0);
        var scores = (await forecasts.GetForecastScoresAsync().WaitAsync(TimeSpan.FromMinutes(2)))!;
        Assert.Equal((1L, 0L), (scores.Issued, scores.Skipped));
    }
}
