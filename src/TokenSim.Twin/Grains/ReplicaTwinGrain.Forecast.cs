using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Grains;

/// <summary>
/// A replica's forecasts: forked from its live shadow on its turn, between the batches it applies, and run on the
/// <see cref="Hosting.PredictionScheduler"/> with <see cref="Hosting.TwinOptions.ForecastsOffTurn"/> and a store that is not durable;
/// on the turn otherwise.
/// </summary>
/// <remarks>
/// <see cref="ForecastAsync"/> is interleaved (<see cref="IReplicaForecastGrain"/>) whatever the option: Orleans
/// decides that per method, and a caller's forecast awaiting its run off the turn would otherwise hold every batch
/// behind it. It waits for the batch being applied, if any, so a forecast forks, or runs on the turn, only between
/// batches, as it did when it was not interleaved; what the interleaving changes is that it may start ahead of
/// batches still queued.
/// </remarks>
public sealed partial class ReplicaTwinGrain : IReplicaForecastGrain
{
    /// <summary>The last forecast started off the turn: one runs at a time per replica, the next forks once it ends.</summary>
    private Task _forecast = Task.CompletedTask;

    public async Task<ReplicaForecast> ForecastAsync(ReplicaTwinConfig config, ForecastSpec spec)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        if (shadow.ForecastScheduler is not { } scheduler)
        {
            while (!_applying.IsCompleted) await _applying;
            return shadow.Forecast(spec);
        }
        // One at a time per replica; each wait may let a batch begin, so both are checked again after either.
        while (!_forecast.IsCompleted || !_applying.IsCompleted)
        {
            if (!_forecast.IsCompleted) await Finished(_forecast);
            else await _applying;
        }
        var run = Task.Factory.StartNew(shadow.PrepareForecast(spec), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler);
        _forecast = run;
        return await run;
    }

    public async Task<LiveReplicaState> HeldAsync(ReplicaTwinConfig config, int seeds)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        while (!_applying.IsCompleted) await _applying;
        return shadow.Held(seeds);
    }

    public async Task<TrafficEstimate> GetTrafficAsync(ReplicaTwinConfig config) => (await LiveAsync(config)).Shadow.Traffic;

    public async Task<ForecastScoreReport> GetForecastScoresAsync(ReplicaTwinConfig config)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        // Every snapshot applied before the call is scored, the forecasts in flight's included. Interleaved, so the
        // batches that come meanwhile are applied (and may issue more, which a later call waits for); the collect
        // itself runs between batches, as the one at each batch's start does.
        foreach (var running in shadow.ScoredForecastsRunning) await Finished(running);
        while (!_applying.IsCompleted) await _applying;
        shadow.CollectScoredForecasts();
        var (issued, skipped) = shadow.ForecastsScored;
        return new ForecastScoreReport(shadow.ForecastScores, issued, skipped);
    }
}
