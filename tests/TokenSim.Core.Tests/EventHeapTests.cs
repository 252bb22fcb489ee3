using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>
/// The simulator's event heap against the order its keys define (<see cref="EventKey.CompareTo"/>, sorted): every
/// event comes out in that order whatever order it went in, with ties in time broken by kind and then sequence.
/// </summary>
public class EventHeapTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(2000, 40)]
    public void DequeuesInKeyOrder_WithTiesInTimeAndKind(int seed, int distinctTimes)
    {
        var rng = new Random(seed);
        var heap = new EventHeap();
        var keys = new List<EventKey>();
        // Interleaved: some events taken before others go in, as the event loop does.
        var taken = new List<EventKey>();
        for (long seq = 0; seq < 3000; seq++)
        {
            var key = new EventKey(rng.Next(distinctTimes) * 0.25, (EventKind)rng.Next(5), seq);
            keys.Add(key);
            heap.Enqueue(new SimEvent(key.Kind, (int)seq, null), key);
            if (rng.Next(3) == 0) taken.Add(Take(heap));
        }
        while (heap.Count > 0) taken.Add(Take(heap));

        Assert.Equal(keys.Count, taken.Count);
        // Each taken key is the least of those present at the time: replay against a sorted set.
        var present = new SortedSet<EventKey>();
        int next = 0;
        rng = new Random(seed);
        var order = new List<EventKey>();
        for (long seq = 0; seq < 3000; seq++)
        {
            rng.Next(distinctTimes);
            rng.Next(5);
            present.Add(keys[next++]);
            if (rng.Next(3) == 0) order.Add(PopMin(present));
        }
        while (present.Count > 0) order.Add(PopMin(present));
        Assert.Equal(order, taken);
    }

    [Fact]
    public void ItemsHoldEveryEventAndEmptyHeapPeeksNothing()
    {
        var heap = new EventHeap();
        Assert.False(heap.TryPeek(out _, out _));
        for (int i = 0; i < 40; i++) heap.Enqueue(new SimEvent(EventKind.StepEnd, i, null), new EventKey(40 - i, EventKind.StepEnd, i));
        Assert.Equal(Enumerable.Range(0, 40), heap.Items.ToArray().Select(x => x.Event.Replica).Order());
        Assert.True(heap.TryPeek(out var first, out var key));
        Assert.Equal(39, first.Replica);
        Assert.Equal(1.0, key.Time);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(11, 6)]
    [InlineData(2024, 50)]
    public void RemovedEventsNeverComeOut_TheRestInKeyOrder(int seed, int distinctTimes)
    {
        // Events go in, some are taken, some withdrawn by sequence number (a decode run cut short withdraws its step
        // end), mirrored on a sorted set: each taken key is the least present, and a withdrawn one is gone.
        var rng = new Random(seed);
        var heap = new EventHeap();
        var present = new SortedSet<EventKey>();
        var bySeq = new Dictionary<long, EventKey>();
        for (long seq = 0; seq < 4000; seq++)
        {
            var key = new EventKey(rng.Next(distinctTimes) * 0.5, (EventKind)rng.Next(5), seq);
            heap.Enqueue(new SimEvent(key.Kind, (int)seq, null), key);
            present.Add(key);
            bySeq[seq] = key;
            switch (rng.Next(4))
            {
                case 0:
                    Assert.Equal(PopMin(present), Take(heap));
                    break;
                case 1:
                    long victim = rng.NextInt64(seq + 1);
                    bool queued = present.Remove(bySeq[victim]);
                    Assert.Equal(queued, heap.Remove(victim));
                    break;
            }
            Assert.Equal(present.Count, heap.Count);
        }
        while (present.Count > 0) Assert.Equal(PopMin(present), Take(heap));
        Assert.False(heap.Remove(0));
    }

    private static EventKey Take(EventHeap heap)
    {
        Assert.True(heap.TryPeek(out var ev, out var key));
        var taken = heap.Dequeue();
        Assert.Equal(ev, taken);
        Assert.Equal((int)key.Seq, taken.Replica);
        return key;
    }

    private static EventKey PopMin(SortedSet<EventKey> set)
    {
        var min = set.Min;
        set.Remove(min);
        return min;
    }
}
