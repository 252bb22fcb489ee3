namespace TokenSim.Core.Memory;

/// <summary>
/// The prefix cache's free blocks in the order new allocations reuse them. vLLM's LRU (the default) is a doubly
/// linked queue: freed blocks join the tail, a request's last block first, and allocations take the head. FIFO (by
/// when a block was cached) and LFU (by how often it was hit) reuse uncached free blocks, kept on a stack, before any
/// cached one, kept in a set ordered by the policy's key.
/// </summary>
/// <remarks>Counting is the caller's: this type only keeps the order. A block's hash (0 = uncached) is passed in.</remarks>
internal sealed class FreeBlockQueue
{
    private readonly PrefixEviction _eviction;
    private int[] _prev = [], _next = [];
    private bool[] _inFree = [];
    private int _head = -1, _tail = -1;
    private SortedSet<(long Key, int Block)> _ordered = [];
    private Stack<int> _uncached = new();
    private long[] _key = [];
    private int[] _hits = [];
    private long _seq;

    public FreeBlockQueue(PrefixEviction eviction, int totalBlocks)
    {
        _eviction = eviction;
        if (eviction != PrefixEviction.Lru)
        {
            _key = new long[totalBlocks];
            _hits = new int[totalBlocks];
        }
    }

    private FreeBlockQueue(FreeBlockQueue s)
    {
        _eviction = s._eviction;
        _prev = (int[])s._prev.Clone();
        _next = (int[])s._next.Clone();
        _inFree = (bool[])s._inFree.Clone();
        _head = s._head;
        _tail = s._tail;
        _ordered = new SortedSet<(long, int)>(s._ordered);
        _uncached = CopyStack(s._uncached);
        _key = (long[])s._key.Clone();
        _hits = (int[])s._hits.Clone();
        _seq = s._seq;
    }

    /// <summary>Sizes the per-block links once blocks get identities (a manager that only counted has none).</summary>
    public void EnsureCapacity(int totalBlocks)
    {
        if (_inFree.Length >= totalBlocks) return;
        _prev = new int[totalBlocks];
        _next = new int[totalBlocks];
        _inFree = new bool[totalBlocks];
    }

    /// <summary>The block the next allocation takes.</summary>
    public int Next => _eviction == PrefixEviction.Lru ? _head
        : _uncached.Count > 0 ? _uncached.Peek() : _ordered.Min.Block;

    public void Append(int b, long hash)
    {
        if (_eviction != PrefixEviction.Lru)
        {
            if (hash == 0) _uncached.Push(b);
            else
            {
                if (_eviction == PrefixEviction.Lfu) _key[b] = ((long)_hits[b] << 40) | (++_seq & ((1L << 40) - 1));
                _ordered.Add((_key[b], b));
            }
            _inFree[b] = true;
            return;
        }
        _prev[b] = _tail;
        _next[b] = -1;
        if (_tail >= 0) _next[_tail] = b; else _head = b;
        _tail = b;
        _inFree[b] = true;
    }

    public void Remove(int b, long hash)
    {
        if (!_inFree[b]) throw new InvalidOperationException($"Block {b} is not free.");
        _inFree[b] = false;
        if (_eviction != PrefixEviction.Lru)
        {
            if (hash == 0) _uncached.Pop(); // only ever taken from the top
            else _ordered.Remove((_key[b], b));
            return;
        }
        if (_prev[b] >= 0) _next[_prev[b]] = _next[b]; else _head = _next[b];
        if (_next[b] >= 0) _prev[_next[b]] = _prev[b]; else _tail = _prev[b];
    }

    /// <summary>A prefix hit on block <paramref name="b"/> (LFU counts them).</summary>
    public void OnHit(int b)
    {
        if (_eviction == PrefixEviction.Lfu) _hits[b]++;
    }

    /// <summary>Block <paramref name="b"/> was just given a hash: FIFO orders by this moment, LFU starts its count.</summary>
    public void OnCached(int b)
    {
        if (_eviction == PrefixEviction.Fifo) _key[b] = ++_seq;
        if (_eviction == PrefixEviction.Lfu) _hits[b] = 0;
    }

    /// <summary>Free block <paramref name="b"/> loses its hash (a prefix-cache reset): it moves to the uncached stack.</summary>
    public void Uncache(int b)
    {
        if (_eviction == PrefixEviction.Lru) return;
        _ordered.Remove((_key[b], b));
        _uncached.Push(b);
    }

    public FreeBlockQueue Clone() => new(this);

    /// <summary>The same stack: ToArray lists it top first, and the constructor pushes in order, so reverse first.</summary>
    internal static Stack<int> CopyStack(Stack<int> s)
    {
        var items = s.ToArray();
        Array.Reverse(items);
        return new Stack<int>(items);
    }
}
