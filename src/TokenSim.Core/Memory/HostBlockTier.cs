namespace TokenSim.Core.Memory;

/// <summary>
/// A host-memory tier behind the GPU prefix cache (LMCache-style offload): the hashes of evicted cached blocks,
/// most recently evicted last, the oldest dropped when it is full. A prefix that continues into it is fetched back
/// over PCIe instead of recomputed.
/// </summary>
internal sealed class HostBlockTier(int capacityBlocks)
{
    private readonly LinkedList<long> _lru = new();
    private readonly Dictionary<long, LinkedListNode<long>> _index = [];

    /// <summary>Blocks it can hold; 0 means no tier (vLLM's default) and every call is a no-op.</summary>
    public int Capacity { get; } = capacityBlocks;
    public int Count => _index.Count;

    public bool Contains(long hash) => _index.ContainsKey(hash);

    /// <summary>Keeps an evicted block's hash, most recent last, dropping the oldest when full.</summary>
    public void Offload(long hash)
    {
        if (Capacity == 0) return;
        if (_index.TryGetValue(hash, out var node)) _lru.Remove(node);
        _index[hash] = _lru.AddLast(hash);
        if (_index.Count > Capacity)
        {
            _index.Remove(_lru.First!.Value);
            _lru.RemoveFirst();
        }
    }

    public void Clear()
    {
        _index.Clear();
        _lru.Clear();
    }

    public HostBlockTier Clone()
    {
        var c = new HostBlockTier(Capacity);
        for (var n = _lru.First; n is not null; n = n.Next) c._index[n.Value] = c._lru.AddLast(n.Value);
        return c;
    }
}
