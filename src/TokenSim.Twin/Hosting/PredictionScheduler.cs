namespace TokenSim.Twin.Hosting;

/// <summary>
/// Where replica grains run their arrivals' predictions (<see cref="Scheduler"/>) and, with
/// <see cref="TwinOptions.ForecastsOffTurn"/>, their forecasts (<see cref="Forecasts"/>, or <see cref="Scheduler"/> when
/// null), off the grain's turn so that an acknowledgement does not wait for them. A test registers its own first; the
/// server's are <see cref="Dedicated"/>: forecasts on threads of their own, predictions on the pool.
/// </summary>
public sealed record PredictionScheduler(TaskScheduler Scheduler) : IDisposable
{
    /// <summary>Where forecasts run off the turn (the scored ones and those asked for); null: <see cref="Scheduler"/>.</summary>
    public TaskScheduler? Forecasts { get; init; }

    /// <summary>
    /// Forecasts on threads of their own (<see cref="DedicatedThreadScheduler"/>, one per processor, at
    /// <paramref name="forecastNiceness"/>), so that a burst of them never holds the thread pool's threads from the
    /// grains' turns; predictions on the thread pool. Predictions are short and come with every batch: on threads of
    /// their own, their hand-offs cost ingest about 10% of its CPU per event with forecasts off (bench/ingest, bisected
    /// in docs/twin.md "Ingest throughput").
    /// </summary>
    public static PredictionScheduler Dedicated(int forecastNiceness) => new(TaskScheduler.Default)
    {
        Forecasts = new DedicatedThreadScheduler("tokensim-forecasts", Environment.ProcessorCount, forecastNiceness),
    };

    /// <summary>Ends the threads of the schedulers it made (<see cref="Dedicated"/>) when the silo's services are disposed.</summary>
    public void Dispose()
    {
        (Scheduler as DedicatedThreadScheduler)?.Dispose();
        (Forecasts as DedicatedThreadScheduler)?.Dispose();
    }
}
