namespace TokenSim.Twin.Hosting;

/// <summary>
/// Where replica grains run their arrivals' predictions, off the grain's turn so that an acknowledgement does not
/// wait for them: the thread pool (<see cref="TaskScheduler.Default"/>) unless a test registers its own first.
/// </summary>
public sealed record PredictionScheduler(TaskScheduler Scheduler);
