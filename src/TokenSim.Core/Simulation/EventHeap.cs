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
            // Sift down from the root: the smallest child moves up while it is smaller than the moving node.
            int i = 0;
            while (true)
            {
                int child = (i << Log2Arity) + 1;
                if (child >= last) break;
                int best = child, end = Math.Min(child + Arity, last);
                for (int c = child + 1; c < end; c++)
                    if (Less(nodes[c].Key, nodes[best].Key)) best = c;
                if (!Less(nodes[best].Key, moving.Key)) break;
                nodes[i] = nodes[best];
                i = best;
            }
            nodes[i] = moving;
        }
        else nodes[0] = default;
        return first;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in EventKey a, in EventKey b) =>
        a.Time < b.Time || (a.Time == b.Time && (a.Kind < b.Kind || (a.Kind == b.Kind && a.Seq < b.Seq)));
}
