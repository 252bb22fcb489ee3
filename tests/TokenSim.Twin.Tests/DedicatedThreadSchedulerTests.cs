using TokenSim.Twin.Hosting;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <see cref="DedicatedThreadScheduler"/>: its tasks run on its own threads, never the thread pool's nor the caller's,
/// as many at once as it has threads, in the order queued; its niceness is the one asked for where Linux applies it.
/// </summary>
public sealed class DedicatedThreadSchedulerTests
{
    [Fact]
    public async Task Tasks_RunOnItsOwnThreads_NotThePoolNorTheCaller()
    {
        using var scheduler = new DedicatedThreadScheduler("test-dedicated", 2);
        var caller = Environment.CurrentManagedThreadId;
        var runs = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () => (Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name, Environment.CurrentManagedThreadId),
            CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler)).ToArray();
        var seen = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.All(seen, s =>
        {
            Assert.False(s.IsThreadPoolThread);
            Assert.StartsWith("test-dedicated-", s.Name);
            Assert.NotEqual(caller, s.CurrentManagedThreadId);
        });
        Assert.InRange(seen.Select(s => s.CurrentManagedThreadId).Distinct().Count(), 1, 2);
        Assert.Equal(2, scheduler.MaximumConcurrencyLevel);
    }

    [Fact]
    public async Task OneThread_RunsTasksInTheOrderQueued()
    {
        using var scheduler = new DedicatedThreadScheduler("test-order", 1);
        var order = new List<int>();
        using var gate = new ManualResetEventSlim();
        // The first holds the thread until all are queued, so the rest wait in the queue.
        var first = Task.Factory.StartNew(() => { gate.Wait(); order.Add(0); }, CancellationToken.None, TaskCreationOptions.None, scheduler);
        var rest = Enumerable.Range(1, 5).Select(i => Task.Factory.StartNew(() => order.Add(i), CancellationToken.None, TaskCreationOptions.None, scheduler)).ToArray();
        gate.Set();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([0, 1, 2, 3, 4, 5], order);
    }

    [Fact]
    public async Task AfterDispose_TasksStillRun_OnThePool()
    {
        var scheduler = new DedicatedThreadScheduler("test-disposed", 1);
        scheduler.Dispose();
        var pooled = await Task.Factory.StartNew(() => Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None, TaskCreationOptions.None, scheduler)
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(pooled);
    }

    [Fact]
    public void Waiting_OnAQueuedTask_FromAnotherThread_DoesNotRunItThere()
    {
        using var scheduler = new DedicatedThreadScheduler("test-inline", 1);
        int caller = Environment.CurrentManagedThreadId;
        var ran = Task.Factory.StartNew(() => Environment.CurrentManagedThreadId, CancellationToken.None, TaskCreationOptions.None, scheduler);
        // A blocking wait is what is tested: the runtime offers the task to the waiting thread to run inline.
#pragma warning disable xUnit1031
        Assert.NotEqual(caller, ran.Result);
#pragma warning restore xUnit1031
    }

    [Fact]
    public async Task Niceness_IsTheOneAsked_OnLinux_AndRefusedOutOfRange()
    {
        using var scheduler = new DedicatedThreadScheduler("test-nice", 1, niceness: 7);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(7, scheduler.Niceness);
            // The kernel's own view of the thread: field 19 of /proc/self/task/TID/stat (after the name in parentheses).
            int tid = await Task.Factory.StartNew(GetTid, CancellationToken.None, TaskCreationOptions.None, scheduler);
            var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal("7", fields[16]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new DedicatedThreadScheduler("bad", 1, niceness: 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DedicatedThreadScheduler("bad", 0));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();
}
