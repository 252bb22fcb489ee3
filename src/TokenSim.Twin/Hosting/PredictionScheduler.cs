namespace TokenSim.Twin.Hosting;

/// <summary>
/// Where replica grains run their arrivals' predictions (<see cref="Scheduler"/>) and, with
/// <see cref="TwinOptions.ForecastsOffTurn"/>, their forecasts (<see cref="Forecasts"/>, or <see cref="Scheduler"/> when
/// null), off the grain's turn so that an acknowledgement does not wait for them. A test registers its own first; the
/// server's are <see cref="Dedicated"/>.
/// </summary>
public sealed record PredictionScheduler(TaskScheduler Scheduler) : IDisposable
{
    /// <summary>Where forecasts run off the turn (the scored ones and those asked for); null: <see cref="Scheduler"/>.</summary>
    public TaskScheduler? Forecasts { get; init; }

    /// <summary>
    /// Threads of their own for each (<see cref="DedicatedThreadScheduler"/>), one per processor, so that neither
    /// holds the thread pool's threads from the grains' turns, and a forecast never holds a prediction: predictions at
    /// the process's niceness, forecasts at <paramref name="forecastNiceness"/>.
    /// </summary>
    public static PredictionScheduler Dedicated(int forecastNiceness) => new(new DedicatedThreadScheduler("tokensim-predictions", Environment.ProcessorCount))
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
