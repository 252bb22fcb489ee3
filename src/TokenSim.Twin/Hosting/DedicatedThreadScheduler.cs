using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace TokenSim.Twin.Hosting;

/// <summary>
/// Runs its tasks, in the order queued, on threads of its own, never on the .NET thread pool, where the grains' turns,
/// Kestrel and gRPC run. Predictions and forecasts are CPU-bound runs of tens to hundreds of milliseconds; queued on
/// the pool, a burst of them (a forecast refresh forks every replica at once) holds all of its threads, and the
/// acknowledgements queue behind them until the pool's starvation detection adds threads, about two a second
/// (docs/operations.md, "A soak with a stranger's client", measured it). Here they wait only for the CPU.
/// </summary>
/// <remarks>
/// On Linux each thread may be given a niceness (<c>setpriority</c> on its thread id): above 0 the kernel gives it a
/// smaller share of a contended core than the server's other threads, so the work it holds yields to ingest. Raising
/// niceness needs no privilege; a value the kernel refuses leaves the thread at the process's and says so in
/// <see cref="Niceness"/>. Elsewhere the value is not applied (<see cref="Niceness"/> is 0).
/// </remarks>
public sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = new(new ConcurrentQueue<Task>());
    private readonly Thread[] _threads;
    [ThreadStatic] private static DedicatedThreadScheduler? _current;
    private int _niceness;

    /// <param name="name">The threads' name (as a debugger or <c>top -H</c> shows them).</param>
    /// <param name="threads">How many run at once: at least 1.</param>
    /// <param name="niceness">Linux niceness for the threads, 0 (the process's) to 19 (the least share).</param>
    public DedicatedThreadScheduler(string name, int threads, int niceness = 0)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"a dedicated scheduler needs at least 1 thread (got {threads})");
        if (niceness is < 0 or > 19) throw new ArgumentOutOfRangeException(nameof(niceness), $"niceness must be 0 to 19 (got {niceness})");
        _niceness = niceness;
        _threads = new Thread[threads];
        using var started = new CountdownEvent(threads);
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(() => Work(started)) { IsBackground = true, Name = threads == 1 ? name : $"{name}-{i}" };
            _threads[i].Start();
        }
        // Niceness is set by each thread on itself; wait so that Niceness reports what took.
        started.Wait();
    }

    /// <summary>The niceness every thread runs at: the one asked for, or 0 where the kernel (or the platform) refused it.</summary>
    public int Niceness => Volatile.Read(ref _niceness);

    public override int MaximumConcurrencyLevel => _threads.Length;

    protected override void QueueTask(Task task)
    {
        try
        {
            _queue.Add(task);
        }
        catch (InvalidOperationException) when (_queue.IsAddingCompleted)
        {
            // Disposed: a grain deactivating as the silo stops may still flush its predictions. They run on the
            // thread pool rather than fail, and nothing waits behind them any more.
            ThreadPool.UnsafeQueueUserWorkItem(static s => { var (self, t) = ((DedicatedThreadScheduler, Task))s!; self.TryExecuteTask(t); }, (this, task));
        }
    }

    /// <summary>Only on its own threads: a task must never run on the caller's (a grain's turn).</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        ReferenceEquals(_current, this) && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Work(CountdownEvent started)
    {
        _current = this;
        if (_niceness > 0 && !TrySetOwnNiceness(_niceness)) Interlocked.Exchange(ref _niceness, 0);
        started.Signal();
        try
        {
            foreach (var task in _queue.GetConsumingEnumerable()) TryExecuteTask(task);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while waiting: the thread ends.
        }
    }

    /// <summary>Ends the threads once the tasks queued have run; tasks queued after it run on the thread pool.</summary>
    public void Dispose() => _queue.CompleteAdding();

    private const int PrioProcess = 0;

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    /// <summary>Linux applies <c>setpriority(PRIO_PROCESS, tid)</c> to the one thread.</summary>
    private static bool TrySetOwnNiceness(int niceness)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return SetPriority(PrioProcess, GetTid(), niceness) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without gettid (glibc before 2.30): the threads keep the process's niceness.
            return false;
        }
    }
}
