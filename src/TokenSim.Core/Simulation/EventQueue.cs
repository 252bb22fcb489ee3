namespace TokenSim.Core.Simulation;

/// <summary>
/// The simulator's pending events, ordered by (time, kind, sequence) so ties break the same way every run.
/// Arrivals are kept apart from the other events, so a replica in a decode run can see the next moment a router
/// may look at it; both share one sequence, so the merged order is that of a single queue. Step ends withdrawn by
/// a decode run cut short are taken out of the heap at once.
/// </summary>
internal sealed class EventQueue
{
    private readonly EventHeap _events = new();
    private readonly EventHeap _arrivals = new();
    private long _seq;

    public EventQueue() { }

    /// <summary>A copy with every request mapped to its clone.</summary>
    public EventQueue(EventQueue source, Func<Request, Request> map)
    {
        foreach (var (key, ev) in source._events.Items)
            _events.Enqueue(ev.Request is null ? ev : ev with { Request = map(ev.Request) }, key);
        foreach (var (key, ev) in source._arrivals.Items)
            _arrivals.Enqueue(ev with { Request = map(ev.Request!) }, key);
        _seq = source._seq;
    }

    /// <summary>Queues an event of <paramref name="kind"/> at <paramref name="time"/>; returns its sequence number.</summary>
    public long Enqueue(EventKind kind, double time, int replica, Request? request)
    {
        long seq = _seq++;
        var queue = kind == EventKind.Arrival ? _arrivals : _events;
        queue.Enqueue(new SimEvent(kind, replica, request), new EventKey(time, kind, seq));
        return seq;
    }

    /// <summary>Withdraws the step end booked with sequence number <paramref name="seq"/> (nothing if it was already taken).</summary>
    public void Cancel(long seq) => _events.Remove(seq);

    /// <summary>Time of the next arrival, or +∞.</summary>
    public double NextArrivalTime => _arrivals.TryPeek(out _, out var a) ? a.Time : double.PositiveInfinity;

    /// <summary>The next event's key; false when none is left.</summary>
    public bool TryPeek(out EventKey key)
    {
        bool any = _events.TryPeek(out _, out key);
        if (_arrivals.TryPeek(out _, out var a) && (!any || a.CompareTo(key) < 0))
        {
            key = a;
            return true;
        }
        return any;
    }

    /// <summary>Takes the event <see cref="TryPeek"/> just returned <paramref name="key"/> for.</summary>
    public SimEvent Dequeue(in EventKey key) =>
        key.Kind == EventKind.Arrival && _arrivals.TryPeek(out _, out var a) && a == key ? _arrivals.Dequeue() : _events.Dequeue();
}
