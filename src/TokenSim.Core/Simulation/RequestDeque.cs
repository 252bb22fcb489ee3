namespace TokenSim.Core.Simulation;

/// <summary>A ring-buffer deque of requests: FCFS at the back, preempted requests back at the front (vLLM V1).</summary>
public sealed class RequestDeque
{
    private Request[] _items = new Request[16];
    private int _head;

    public int Count { get; private set; }

    public Request this[int index] => _items[(_head + index) & (_items.Length - 1)];

    public void PushBack(Request r)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) & (_items.Length - 1)] = r;
        Count++;
    }

    public void PushFront(Request r)
    {
        if (Count == _items.Length) Grow();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = r;
        Count++;
    }

    public Request PeekFront() => Count > 0 ? _items[_head] : throw new InvalidOperationException("Deque is empty.");

    public Request PopFront()
    {
        var r = PeekFront();
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return r;
    }

    /// <summary>Removes the element at <paramref name="index"/>, keeping order (O(n); for priority policies).</summary>
    public Request RemoveAt(int index)
    {
        if (index == 0) return PopFront();
        var r = this[index];
        for (int i = index; i < Count - 1; i++) _items[(_head + i) & (_items.Length - 1)] = this[i + 1];
        _items[(_head + Count - 1) & (_items.Length - 1)] = null!;
        Count--;
        return r;
    }

    private void Grow()
    {
        var bigger = new Request[_items.Length * 2];
        for (int i = 0; i < Count; i++) bigger[i] = this[i];
        _items = bigger;
        _head = 0;
    }

    internal RequestDeque CloneWith(Func<Request, Request> map)
    {
        var d = new RequestDeque();
        for (int i = 0; i < Count; i++) d.PushBack(map(this[i]));
        return d;
    }
}
