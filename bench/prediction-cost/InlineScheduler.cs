namespace TokenSim.Bench.PredictionCost;

/// <summary>
/// Runs each task where it is queued, counting them: a replica shadow's prediction runs go through it as they would
/// through a grain's scheduler (so groups stay open across batches), but on this thread, where their allocations and
/// CPU time are counted.
/// </summary>
internal sealed class InlineScheduler : TaskScheduler
{
    public int Runs { get; private set; }

    protected override void QueueTask(Task task)
    {
        Runs++;
        TryExecuteTask(task);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];
}
