using BenchmarkDotNet.Attributes;
using TokenSim.Core.Simulation;

namespace TokenSim.Bench.StepLoop;

/// <summary>
/// The simulator's event queue as the step loop uses it: a few pending step ends (one per replica) and the next
/// arrival, each event taken and one booked a little later in its place. <see cref="EventHeap"/>, the simulator's own
/// heap, against the <see cref="PriorityQueue{TElement, TPriority}"/> it replaced; both give the same order.
/// </summary>
[MemoryDiagnoser]
public class EventHeapBenchmarks
{
    /// <summary>Pending events: 4 and 16 replicas' step ends and an arrival.</summary>
    [Params(5, 17)]
    public int Pending { get; set; }

    private const int Operations = 100_000;
    private double[] _gaps = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        // Step times of 10 to 30 ms, as decode steps of a small model.
        _gaps = Enumerable.Range(0, Operations).Select(_ => 0.01 + 0.02 * rng.NextDouble()).ToArray();
    }

    [Benchmark(Baseline = true)]
    public double PriorityQueue()
    {
        var queue = new PriorityQueue<SimEvent, EventKey>();
        long seq = 0;
        for (int i = 0; i < Pending; i++) queue.Enqueue(new SimEvent(EventKind.StepEnd, i, null), new EventKey(_gaps[i], EventKind.StepEnd, seq++));
        double last = 0;
        for (int i = 0; i < Operations; i++)
        {
            queue.TryPeek(out var ev, out var key);
            queue.Dequeue();
            last = key.Time;
            queue.Enqueue(ev, new EventKey(last + _gaps[i], EventKind.StepEnd, seq++));
        }
        return last;
    }

    [Benchmark]
    public double EventHeap()
    {
        var heap = new EventHeap();
        long seq = 0;
        for (int i = 0; i < Pending; i++) heap.Enqueue(new SimEvent(EventKind.StepEnd, i, null), new EventKey(_gaps[i], EventKind.StepEnd, seq++));
        double last = 0;
        for (int i = 0; i < Operations; i++)
        {
            heap.TryPeek(out var ev, out var key);
            heap.Dequeue();
            last = key.Time;
            heap.Enqueue(ev, new EventKey(last + _gaps[i], EventKind.StepEnd, seq++));
        }
        return last;
    }
}
