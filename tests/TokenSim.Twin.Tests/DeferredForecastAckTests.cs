using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica grain acknowledges batches while forecasts run: over a silo whose <see cref="PredictionScheduler"/> runs
/// nothing until the test says so, a batch whose snapshot issues a scored forecast, and a batch that comes while a
/// caller's forecast is held, are both acknowledged with the forecast queued and not run.
/// </summary>
public sealed class DeferredForecastAckTests : HeldSchedulerSilo
{
    [Fact]
    public async Task Ack_DoesNotWaitForAScoredForecast_NorForACallersForecast()
    {
        var (grain, forecasts) = await RegisterAsync("offturn");

        // The snapshot issues a scored forecast; were the acknowledgement to wait for it, it would never come.
        var ack = await grain.IngestAsync([.. Arrivals(0, T0), new EngineSnapshotTaken { EventId = "s0", Replica = 0, TimeSeconds = T0 + 0.5, Running = 4, Waiting = 0 }])
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(ack.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.Equal(0, Scheduler.Ran);
        Assert.Equal(2, Scheduler.Queued); // the arrivals' prediction and the scored forecast

        // A caller's forecast forks on the replica's turn and is held on the scheduler; a batch is acknowledged meanwhile.
        var forecast = forecasts.ForecastAsync(new ForecastSpec { HorizonSeconds = 2, StepSeconds = 1, Seeds = 2 }, 0);
        while (Scheduler.Queued < 3 && !forecast.IsCompleted) await Task.Delay(10);
        Assert.False(forecast.IsCompleted, "the forecast ran without the scheduler");
        var second = await grain.IngestAsync(Arrivals(1, T0 + 1)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(second.Outcomes, o => Assert.Equal(EventOutcome.Applied, o));
        Assert.False(forecast.IsCompleted);
        Assert.Equal(0, Scheduler.Ran);

        Assert.Equal(4, Scheduler.RunAll());
        var result = (await forecast.WaitAsync(TimeSpan.FromMinutes(2)))!;
        var replica = Assert.Single(result.Replicas);
        Assert.Equal(2, replica.Seeds);
        Assert.True(replica.SimulatedSteps > 0);
        var scores = (await forecasts.GetForecastScoresAsync().WaitAsync(TimeSpan.FromMinutes(2)))!;
        Assert.Equal((1L, 0L), (scores.Issued, scores.Skipped));
    }
}
