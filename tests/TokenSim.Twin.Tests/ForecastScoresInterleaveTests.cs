using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Asking for a replica's forecast scores waits for its scored forecasts in flight, and its batches are acknowledged
/// meanwhile: over a silo whose <see cref="PredictionScheduler"/> runs nothing until the test says so, a scores call
/// made while a scored forecast is held does not hold the batch that comes after it, and once the forecasts run it
/// reports every snapshot applied before it. (The server's refresh asks every 5 s; the replica's turn held for the
/// forecasts in flight was the soak's acknowledgement tail, docs/operations.md.)
/// </summary>
public sealed class ForecastScoresInterleaveTests : IAsyncLifetime
{
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InProcessTestCluster _cluster;

    public ForecastScoresInterleaveTests()
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

    private static TwinEvent[] Batch(int batch, double at) =>
    [
        .. Enumerable.Range(0, 4).Select(i => (TwinEvent)new RequestArrived
        {
            EventId = $"b{batch}-{i}", Replica = 0, TimeSeconds = at + 0.01 * i, RequestId = $"b{batch}-{i}", PromptTokens = 200 + 50 * i, MaxTokens = 64,
        }),
        new EngineSnapshotTaken { EventId = $"s{batch}", Replica = 0, TimeSeconds = at + 0.5, Running = 4 * (batch + 1), Waiting = 0 },
    ];

    [Fact]
    public async Task ScoresCall_WaitsForTheForecastsInFlight_WithoutHoldingTheBatches()
    {
        var spec = new TwinDeploymentSpec { Name = "scores", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" };
        var grain = _cluster.Client.GetGrain<IDeploymentTwinGrain>("scores");
        var forecasts = _cluster.Client.GetGrain<IDeploymentForecastGrain>("scores");
        await grain.RegisterAsync(spec);

        // The snapshot issues a scored forecast (1 s of production time between them), held on the scheduler.
        await grain.IngestAsync(Batch(0, T0)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(2, _scheduler.Queued); // the arrivals' prediction and the scored forecast
        var scores = forecasts.GetForecastScoresAsync();

        // Were the scores call to hold the replica's turn until the forecast ran, this batch would never be applied.
        var ack = await grain.IngestAsync(Batch(1, T0 + 2)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(ack.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.False(scores.IsCompleted, "the scores came before the forecast in flight ran");
        Assert.Equal(0, _scheduler.Ran);

        // Both batches' predictions and both snapshots' forecasts.
        Assert.Equal(4, _scheduler.RunAll());
        var report = (await scores.WaitAsync(TimeSpan.FromMinutes(2)))!;
        Assert.Equal((2L, 0L), (report.Issued, report.Skipped));
    }
}
