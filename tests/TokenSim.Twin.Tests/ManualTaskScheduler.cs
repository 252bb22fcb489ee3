using System.Collections.Concurrent;

namespace TokenSim.Twin.Tests;

/// <summary>A scheduler that runs nothing until the test says so: what was queued, and when it ran, is the test's to see.</summary>
public sealed class ManualTaskScheduler : TaskScheduler
{
    private readonly ConcurrentQueue<Task> _queue = new();
    private int _ran;

    /// <summary>Tasks queued and not yet run.</summary>
    public int Queued => _queue.Count;

    /// <summary>Tasks run so far.</summary>
    public int Ran => Volatile.Read(ref _ran);

    /// <summary>Runs every queued task, and those they queue, on the calling thread; returns how many ran.</summary>
    public int RunAll()
    {
        int n = 0;
        while (_queue.TryDequeue(out var task))
        {
            TryExecuteTask(task);
            Interlocked.Increment(ref _ran);
            n++;
        }
        return n;
    }

    protected override void QueueTask(Task task) => _queue.Enqueue(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue;
}
