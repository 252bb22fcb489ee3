namespace TokenSim.Planning;

/// <summary>
/// Lets at most a fixed number of holders in at once, like a semaphore, but admits waiters lowest key first (then in
/// the order they came): the planner's simulations queue by cost, so the cheap candidates, which decide how far the
/// search must go, run before the dear ones.
/// </summary>
internal sealed class PriorityGate(int slots)
{
    private readonly PriorityQueue<TaskCompletionSource, (double Key, long Order)> _waiting = new();
    private int _free = slots;
    private long _order;

    public Task WaitAsync(double key, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        lock (_waiting)
        {
            // A free slot means no live waiter is queued (a release hands its slot to one first): only cancelled ones.
            if (_free > 0)
            {
                _free--;
                return Task.CompletedTask;
            }
            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(turn, (key, _order++));
            if (cancellation.CanBeCanceled)
            {
                var registration = cancellation.Register(() => turn.TrySetCanceled(cancellation));
                turn.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
            }
            return turn.Task;
        }
    }

    public void Release()
    {
        lock (_waiting)
        {
            while (_waiting.TryDequeue(out var next, out _))
                if (next.TrySetResult()) return;
            _free++;
        }
    }
}
