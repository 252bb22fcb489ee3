using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Asking for a replica's forecast scores waits for its scored forecasts in flight, and its batches are acknowledged
/// meanwhile: over a silo whose <see cref="PredictionScheduler"/> runs nothing until the test says so, a scores call
/// made while a scored forecast is held does not hold the batch that comes after it, and once the forecasts run it
/// reports every snapshot applied before it. (The server's refresh asks every 5 s; the replica's turn held for the
/// forecasts in flight was the soak's acknowledgement tail, docs/operations.md.)
/// </summary>
public sealed class ForecastScoresInterleaveTests : HeldSchedulerSilo
{
    private static TwinEvent[] Batch(int batch, double at) =>
        [.. Arrivals(batch, at), new EngineSnapshotTaken { EventId = $"s{batch}", Replica = 0, TimeSeconds = at + 0.5, Running = 4 * (batch + 1), Waiting = 0 }];

    [Fact]
    public async Task ScoresCall_WaitsForTheForecastsInFlight_WithoutHoldingTheBatches()
    {
        var (grain, forecasts) = await RegisterAsync("scores");

        // The snapshot issues a scored forecast (1 s of production time between them), held on the scheduler.
        await grain.IngestAsync(Batch(0, T0)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(2, Scheduler.Queued); // the arrivals' prediction and the scored forecast
        var scores = forecasts.GetForecastScoresAsync();

        // Were the scores call to hold the replica's turn until the forecast ran, this batch would never be applied.
        var ack = await grain.IngestAsync(Batch(1, T0 + 2)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(ack.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.False(scores.IsCompleted, "the scores came before the forecast in flight ran");
        Assert.Equal(0, Scheduler.Ran);

        // Both batches' predictions and both snapshots' forecasts.
        Assert.Equal(4, Scheduler.RunAll());
        var report = (await scores.WaitAsync(TimeSpan.FromMinutes(2)))!;
        Assert.Equal((2L, 0L), (report.Issued, report.Skipped));
    }
}
