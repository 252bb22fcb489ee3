using System.Runtime.CompilerServices;

namespace TokenSim.Core.Simulation;

/// <summary>
/// A min-heap of events by <see cref="EventKey"/> (4-ary, as <see cref="PriorityQueue{TElement, TPriority}"/>), for
/// <see cref="EventQueue"/>. Keys are unique (each has its own sequence number), so the order events come out in is
/// the same as any other correct priority queue's.
/// </summary>
/// <remarks>
/// Its own type rather than <c>PriorityQueue&lt;SimEvent, EventKey&gt;</c> because that instantiation lives in
/// System.Collections: the ReadyToRun build output cannot precompile it into TokenSim.Core, so every process started
/// it as tier-0 code and paid for its instrumented and optimised recompilations (docs/speed.md, fourth round). Here
/// the comparison is inlined, and the heap is compiled ahead of time with the rest of the simulator.
/// </remarks>
internal sealed class EventHeap
{
    private const int Arity = 4, Log2Arity = 2;
    private (EventKey Key, SimEvent Event)[] _nodes = new (EventKey, SimEvent)[16];
    private int _count;

    public int Count => _count;

    /// <summary>Every event with its key, in no particular order (a clone copies them).</summary>
    public ReadOnlySpan<(EventKey Key, SimEvent Event)> Items => _nodes.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enqueue(SimEvent ev, EventKey key)
    {
        if (_count == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        var nodes = _nodes;
        int i = _count++;
        // Sift up: move parents down until the new key's place is found.
        while (i > 0)
        {
            int parent = (i - 1) >> Log2Arity;
            if (!Less(key, nodes[parent].Key)) break;
            nodes[i] = nodes[parent];
            i = parent;
        }
        nodes[i] = (key, ev);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPeek(out SimEvent ev, out EventKey key)
    {
        if (_count == 0)
        {
            ev = default;
            key = default;
            return false;
        }
        (key, ev) = _nodes[0];
        return true;
    }

    /// <summary>Removes and returns the first event; the heap must not be empty.</summary>
    public SimEvent Dequeue()
    {
        var nodes = _nodes;
        var first = nodes[0].Event;
        int last = --_count;
        if (last > 0)
        {
            var moving = nodes[last];
            nodes[last] = default;
            SiftDown(0, moving, last);
        }
        else nodes[0] = default;
        return first;
    }

    /// <summary>
    /// Removes the event with sequence number <paramref name="seq"/> (a step end a decode run cut short withdraws);
    /// false when none is queued. A scan: the heap holds a few events per replica.
    /// </summary>
    public bool Remove(long seq)
    {
        var nodes = _nodes;
        int at = 0;
        while (at < _count && nodes[at].Key.Seq != seq) at++;
        if (at == _count) return false;
        int last = --_count;
        var moving = nodes[last];
        nodes[last] = default;
        if (at == last) return true;
        // The last node takes the removed one's place, then moves up or down to where its key belongs.
        if (at > 0 && Less(moving.Key, nodes[(at - 1) >> Log2Arity].Key))
        {
            int i = at;
            while (i > 0)
            {
                int parent = (i - 1) >> Log2Arity;
                if (!Less(moving.Key, nodes[parent].Key)) break;
                nodes[i] = nodes[parent];
                i = parent;
            }
            nodes[i] = moving;
        }
        else SiftDown(at, moving, last);
        return true;
    }

    /// <summary>Places <paramref name="moving"/> at <paramref name="i"/> or below: the smallest child moves up while it is smaller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SiftDown(int i, in (EventKey Key, SimEvent Event) moving, int count)
    {
        var nodes = _nodes;
        while (true)
        {
            int child = (i << Log2Arity) + 1;
            if (child >= count) break;
            int best = child, end = Math.Min(child + Arity, count);
            for (int c = child + 1; c < end; c++)
                if (Less(nodes[c].Key, nodes[best].Key)) best = c;
            if (!Less(nodes[best].Key, moving.Key)) break;
            nodes[i] = nodes[best];
            i = best;
        }
        nodes[i] = moving;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in EventKey a, in EventKey b) =>
        a.Time < b.Time || (a.Time == b.Time && (a.Kind < b.Kind || (a.Kind == b.Kind && a.Seq < b.Seq)));
}
