namespace TokenSim.Twin.Shadow;

/// <summary>
/// The ids of the last <see cref="Capacity"/> applied events, to acknowledge a repeat as a duplicate without applying
/// it twice. Bounded so a long-lived replica's memory stays flat; a repeat older than the window is no longer caught.
/// </summary>
public sealed class SeenEventWindow(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "The seen-event window must hold at least 1 id.");
    public int Count => _ids.Count;
    public IEnumerable<string> InOrder => _order;

    public bool Contains(string id) => _ids.Contains(id);

    public void Add(string id)
    {
        if (!_ids.Add(id)) return;
        _order.Enqueue(id);
        if (_order.Count > Capacity) _ids.Remove(_order.Dequeue());
    }
}
