using TokenSim.Core.Simulation;

namespace TokenSim.Core.Memory;

/// <summary>
/// vLLM V1's paged KV cache with automatic prefix caching (<c>vllm/v1/core/block_pool.py</c>,
/// <c>kv_cache_manager.py</c>). Full blocks are identified by chained hashes. Prompt blocks hash their token ids,
/// or a trace's prefix block ids (Mooncake <c>hash_ids</c>, expanded to one hash per block); other blocks get
/// a hash salted with the request, so a preempted request can find its own blocks again. A hit is the longest
/// run of cached leading blocks, capped below the full sequence (at least one token is recomputed). Freed blocks
/// keep their hash and join the tail of the free queue, a request's last block first. New blocks come from the
/// head, evicting the hash they carried (lazy LRU eviction). Cached blocks with no reference count as free.
/// </summary>
/// <remarks>
/// Requests with neither token ids nor prefix hashes can share nothing, so their blocks carry no hash and their
/// identity does not matter: they hold a count, and the ids they take sit on a stack. Until the first request
/// that can be hashed arrives, no block has an identity at all and the manager only counts, as fast as the
/// plain paged manager.
/// </remarks>
public sealed class PrefixCachingKvCacheManager : IKvCacheManager
{
    private int[] _ref;
    /// <summary>Each block's hash, 0 while it has none.</summary>
    private long[] _hash;
    private readonly FreeBlockQueue _free;
    private Dictionary<long, int> _cached;
    private Request? _pending;
    private bool _exact;
    private Stack<int> _anonymous = new();
    private readonly List<int> _pendingHits = [];

    private readonly HostBlockTier _cpu;
    private int _pendingCpuHits;
    /// <summary>Hits of the pending request that the mirrored real cache holds and this one does not: fresh blocks, not computed.</summary>
    private int _pendingExternalHits;
    private int _fetched;

    /// <param name="cpuBlocks">Capacity of a host-memory tier: evicted cached blocks are copied there (LRU), and a
    /// prefix that continues into it is fetched back over PCIe instead of recomputed. 0 = no tier (vLLM's default).</param>
    /// <param name="eviction">Which free cached block a new allocation reuses first: vLLM's LRU (default), FIFO by when
    /// the block was cached, or LFU by how often it was hit. The latter two reuse uncached free blocks before any cached one.</param>
    public PrefixCachingKvCacheManager(int totalBlocks, int blockSize, int cpuBlocks = 0, PrefixEviction eviction = PrefixEviction.Lru)
    {
        _cpu = new HostBlockTier(cpuBlocks);
        _free = new FreeBlockQueue(eviction, totalBlocks);
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize));
        BlockSize = blockSize;
        TotalBlocks = totalBlocks;
        _ref = new int[totalBlocks];
        _hash = new long[totalBlocks];
        _cached = [];
        FreeBlocks = totalBlocks;
    }

    /// <summary>Gives blocks identities: the free ones join the queue, those held anonymously go on the stack.</summary>
    private void BecomeExact()
    {
        if (_exact) return;
        _exact = true;
        if (_ref.Length == 0)
        {
            // A clone taken before any block had an identity carries no per-block arrays (see the clone constructor).
            _ref = new int[TotalBlocks];
            _hash = new long[TotalBlocks];
        }
        _free.EnsureCapacity(TotalBlocks);
        int free = FreeBlocks;
        FreeBlocks = 0;
        for (int b = 0; b < free; b++) Append(b);
        for (int b = free; b < TotalBlocks; b++) _anonymous.Push(b);
    }

    public int BlockSize { get; }
    public int TotalBlocks { get; }
    public int FreeBlocks { get; private set; }
    public long PrefixQueryTokens { get; private set; }
    public long PrefixHitTokens { get; private set; }
    /// <summary>Of the hits, tokens fetched from the host-memory tier.</summary>
    public long CpuHitTokens { get; private set; }

    /// <summary>
    /// Told of every hash stored and evicted (vLLM's KV events); null, the default, costs one null check per
    /// registration and eviction. A <see cref="Clone"/> does not carry it: a what-if copy must not publish.
    /// </summary>
    public IKvEventListener? Listener { get; set; }

    public int TakeFetchedBlocks()
    {
        int n = _fetched;
        _fetched = 0;
        return n;
    }
    /// <summary>Blocks whose hash is registered (held or free).</summary>
    public int CachedBlockCount => _cached.Count;
    /// <summary>The registered hashes (for checking published KV events against the cache).</summary>
    public IReadOnlyCollection<long> CachedHashes => _cached.Keys;

    private static bool Hashable(Request r) => r.TokenIds is not null || r.PrefixHashes is not null;

    public int ComputedPrefixTokens(Request r)
    {
        _pending = r;
        _pendingHits.Clear();
        _pendingCpuHits = 0;
        _pendingExternalHits = 0;
        if (r.BlocksHeld > 0 || !Hashable(r)) return 0;
        // A real engine's cache, mirrored, decides a first admission's hits: local blocks beyond what it holds are not
        // hit (the real engine evicted them), and blocks it holds that this cache lacks are hit on fresh blocks.
        bool external = r.ExternalCachedTokens is not null && r.Preemptions == 0 && r.NumComputed == 0;
        if (!external && _cached.Count == 0 && _cpu.Count == 0) return 0;
        BecomeExact();
        // A fully cached sequence still recomputes its last token: cap at (tokens − 1), whole blocks.
        int maxBlocks = (r.NumTokens - 1) / BlockSize;
        if (external) maxBlocks = Math.Min(maxBlocks, Math.Max(0, r.ExternalCachedTokens!.Value) / BlockSize);
        int i = 0;
        for (; i < maxBlocks; i++)
        {
            if (!_cached.TryGetValue(HashOf(r, i), out int block)) break;
            _pendingHits.Add(block);
        }
        if (external)
        {
            _pendingExternalHits = maxBlocks - i;
            return maxBlocks * BlockSize;
        }
        // The prefix may go on in the host tier: those blocks come back over PCIe.
        _pendingCpuHits = 0;
        while (_cpu.Capacity > 0 && i < maxBlocks && _cpu.Contains(HashOf(r, i))) { _pendingCpuHits++; i++; }
        return (_pendingHits.Count + _pendingCpuHits) * BlockSize;
    }

    public int CachedPrefixTokens(Request r)
    {
        if (_cached.Count == 0 || !Hashable(r)) return 0;
        int maxBlocks = (r.NumTokens - 1) / BlockSize, hits = 0;
        while (hits < maxBlocks && _cached.ContainsKey(HashOf(r, hits))) hits++;
        return hits * BlockSize;
    }

    private int PendingHits(Request r) => ReferenceEquals(r, _pending) && r.BlocksHeld == 0 ? _pendingHits.Count : 0;

    private int Needed(Request r, int tokens, out int hits)
    {
        hits = PendingHits(r);
        int need = (tokens + BlockSize - 1) / BlockSize - r.BlocksHeld - hits;
        // Touching a cached block nobody holds takes it off the free queue.
        for (int i = 0; i < hits; i++)
            if (_ref[_pendingHits[i]] == 0) need++;
        return need;
    }

    public bool CanFit(Request r, int tokens) => Needed(r, tokens, out _) <= FreeBlocks;

    public bool TryAllocate(Request r, int tokens)
    {
        int need = Needed(r, tokens, out int hits);
        if (need > FreeBlocks) return false;
        if (!Hashable(r))
        {
            if (need <= 0) return true;
            if (r.BlocksHeld == 0 && r.NumComputed == 0) PrefixQueryTokens += r.NumTokens;
            r.BlocksHeld += need;
            if (!_exact) { FreeBlocks -= need; return true; }
            for (int i = 0; i < need; i++) _anonymous.Push(TakeHead());
            return true;
        }
        BecomeExact();
        var blocks = r.BlockIds ??= [];
        int cpuHits = ReferenceEquals(r, _pending) && r.BlocksHeld == 0 ? _pendingCpuHits : 0;
        int externalHits = ReferenceEquals(r, _pending) && r.BlocksHeld == 0 ? _pendingExternalHits : 0;
        if (hits + cpuHits + externalHits > 0)
        {
            PrefixQueryTokens += r.NumTokens;
            PrefixHitTokens += (long)(hits + cpuHits + externalHits) * BlockSize;
            CpuHitTokens += (long)cpuHits * BlockSize;
            _fetched += cpuHits;
            foreach (int b in _pendingHits)
            {
                if (_ref[b]++ == 0) Remove(b);
                _free.OnHit(b);
                blocks.Add(b);
            }
            r.BlocksHeld += hits;
            r.CachedBlocks = hits;
        }
        else if (r.BlocksHeld == 0 && r.NumComputed == 0)
        {
            PrefixQueryTokens += r.NumTokens;
        }
        if (ReferenceEquals(r, _pending)) { _pending = null; _pendingHits.Clear(); _pendingCpuHits = 0; _pendingExternalHits = 0; }
        int target = (tokens + BlockSize - 1) / BlockSize;
        while (blocks.Count < target) blocks.Add(TakeHead());
        r.BlocksHeld = blocks.Count;
        if (Hashable(r)) Register(r, Math.Min(tokens, r.NumTokens) / BlockSize);
        return true;
    }

    /// <summary>Pops the least recently freed block, evicting the hash it carried, and gives it one reference.</summary>
    private int TakeHead()
    {
        int b = _free.Next;
        Remove(b);
        if (_hash[b] != 0)
        {
            if (_cached.TryGetValue(_hash[b], out int owner) && owner == b)
            {
                _cached.Remove(_hash[b]);
                Listener?.OnBlockRemoved(_hash[b]);
                _cpu.Offload(_hash[b]);
            }
            _hash[b] = 0;
        }
        _ref[b] = 1;
        return b;
    }

    /// <summary>Registers <paramref name="r"/>'s full blocks up to <paramref name="fullBlocks"/> so later requests can hit them.</summary>
    private void Register(Request r, int fullBlocks)
    {
        var blocks = r.BlockIds!;
        int run = -1; // first block of the run of newly registered blocks not yet reported
        for (int i = r.CachedBlocks; i < fullBlocks && i < blocks.Count; i++)
        {
            long h = HashOf(r, i);
            int b = blocks[i];
            if (_hash[b] == 0 && _cached.TryAdd(h, b))
            {
                _hash[b] = h;
                _free.OnCached(b);
                if (run < 0) run = i;
            }
            else if (run >= 0)
            {
                // The hash is already cached on another block: the cache keeps one block per hash, so this one is
                // not stored and the run reported so far ends here.
                Stored(r, run, i);
                run = -1;
            }
        }
        if (run >= 0) Stored(r, run, Math.Min(fullBlocks, blocks.Count));
        if (fullBlocks > r.CachedBlocks) r.CachedBlocks = fullBlocks;
    }

    /// <summary>Reports blocks [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="r"/> as stored.</summary>
    private void Stored(Request r, int from, int to)
    {
        if (Listener is not { } listener) return;
        var hashes = r.BlockHashes!;
        ReadOnlySpan<int> ids = default;
        if (r.TokenIds is { } all)
        {
            int start = Math.Min(from * BlockSize, all.Length), end = Math.Min(to * BlockSize, Math.Min(all.Length, r.PromptTokens));
            ids = all.AsSpan(start, Math.Max(0, end - start));
        }
        listener.OnBlocksStored(hashes.AsSpan(from, to - from), from == 0 ? 0 : hashes[from - 1], ids, BlockSize);
    }

    /// <summary>
    /// vLLM's <c>reset_prefix_cache</c>: forgets every cached hash (and the host tier's), which it only does when
    /// no request holds a block. False, changing nothing, while any block is in use.
    /// </summary>
    public bool ResetPrefixCache()
    {
        if (FreeBlocks != TotalBlocks) return false;
        if (_exact)
            for (int b = 0; b < TotalBlocks; b++)
            {
                if (_hash[b] == 0) continue;
                _free.Uncache(b);
                _hash[b] = 0;
            }
        _cached.Clear();
        _cpu.Clear();
        Listener?.OnAllBlocksCleared();
        return true;
    }

    public void Free(Request r)
    {
        if (!Hashable(r))
        {
            if (!_exact) FreeBlocks += r.BlocksHeld;
            else
                for (int i = 0; i < r.BlocksHeld; i++)
                {
                    int b = _anonymous.Pop();
                    _ref[b] = 0;
                    Append(b);
                }
            r.BlocksHeld = 0;
            return;
        }
        var blocks = r.BlockIds;
        if (blocks is not null)
        {
            for (int i = blocks.Count - 1; i >= 0; i--)
                if (--_ref[blocks[i]] == 0) Append(blocks[i]);
            blocks.Clear();
        }
        r.BlocksHeld = 0;
        r.CachedBlocks = 0;
        if (ReferenceEquals(r, _pending)) { _pending = null; _pendingHits.Clear(); _pendingExternalHits = 0; }
    }

    private long HashOf(Request r, int i) => PrefixBlockHasher.HashOf(r, i, BlockSize);

    private void Append(int b)
    {
        _free.Append(b, _hash[b]);
        FreeBlocks++;
    }

    private void Remove(int b)
    {
        _free.Remove(b, _hash[b]);
        FreeBlocks--;
    }

    /// <summary>Until any block has an identity, a request's blocks are a count, taken and returned as in the paged manager.</summary>
    bool IKvCacheManager.GrowsByCount(Request r) => !_exact;

    public IKvCacheManager Clone() => new PrefixCachingKvCacheManager(this);

    private PrefixCachingKvCacheManager(PrefixCachingKvCacheManager s)
    {
        BlockSize = s.BlockSize;
        TotalBlocks = s.TotalBlocks;
        FreeBlocks = s.FreeBlocks;
        // Until a hashable request comes, a count is all the manager needs: a clone of a hash-free manager (the twin
        // takes one per prediction) copies no per-block arrays and allocates them if it ever needs identities.
        _ref = s._exact ? (int[])s._ref.Clone() : [];
        _hash = s._exact ? (long[])s._hash.Clone() : [];
        _free = s._free.Clone();
        _exact = s._exact;
        _anonymous = FreeBlockQueue.CopyStack(s._anonymous);
        _cached = new Dictionary<long, int>(s._cached);
        PrefixQueryTokens = s.PrefixQueryTokens;
        PrefixHitTokens = s.PrefixHitTokens;
        CpuHitTokens = s.CpuHitTokens;
        _cpu = s._cpu.Clone();
        _fetched = s._fetched;
    }
}
