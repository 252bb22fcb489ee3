namespace TokenSim.Twin.Kv;

/// <summary>
/// A replica's GPU prefix cache as its KV events describe it: the hashes stored and not yet removed, each with a
/// reference count (vLLM may store one hash on two physical blocks and reports each removal), its parent and the key
/// of its token ids. A prompt's token ids walk the chains from the root to give how many of its leading full blocks
/// the real engine holds. Events for other media (the offloading connector's CPU tier) are counted and ignored.
/// </summary>
/// <remarks>Not thread-safe: its replica grain applies one call at a time.</remarks>
public sealed class KvCacheMirror
{
    /// <summary>The parent of a chain's first block (vLLM's nil parent) in <see cref="_chain"/>.</summary>
    private const ulong Root = 0;

    private readonly Dictionary<ulong, Entry> _blocks = [];
    private readonly Dictionary<(ulong Parent, ulong Content), ulong> _chain = [];

    private struct Entry
    {
        public int Refs;
        public ulong Parent;
        public ulong Content;
        public bool HasContent;
        public double StoredAt;
    }

    /// <summary>Distinct hashes held.</summary>
    public int Blocks => _blocks.Count;
    public long EventsApplied { get; private set; }
    /// <summary>Events for another medium, and removals of hashes the mirror does not hold.</summary>
    public long EventsIgnored { get; private set; }
    /// <summary>Restarts and AllBlocksCleared events applied.</summary>
    public long Resets { get; private set; }
    /// <summary>Whether a batch has arrived since the mirror was created: before that it knows nothing of the real cache.</summary>
    public bool Live { get; private set; }
    public KvMirrorStatus Status => new(Blocks, EventsApplied, EventsIgnored, Resets);

    public bool Contains(ulong hash) => _blocks.ContainsKey(hash);
    public int RefCount(ulong hash) => _blocks.TryGetValue(hash, out var e) ? e.Refs : 0;
    public IEnumerable<ulong> Hashes => _blocks.Keys;

    public void Apply(KvMirrorBatch batch)
    {
        Live = true;
        if (batch.Restart) Clear();
        foreach (var e in batch.Events) Apply(e, batch.Timestamp);
    }

    private void Apply(KvMirrorEvent e, double ts)
    {
        if (e.Kind == KvMirrorEventKind.AllBlocksCleared)
        {
            Clear();
            EventsApplied++;
            return;
        }
        if (!e.OnGpu) { EventsIgnored++; return; }
        EventsApplied++;
        if (e.Kind == KvMirrorEventKind.BlockStored)
        {
            ulong parent = e.Parent ?? Root;
            for (int i = 0; i < e.Hashes.Length; i++)
            {
                ulong h = e.Hashes[i];
                if (_blocks.TryGetValue(h, out var known))
                {
                    known.Refs++;
                    _blocks[h] = known;
                }
                else
                {
                    var entry = new Entry { Refs = 1, Parent = parent, StoredAt = ts };
                    if (e.ContentKeys is { } keys && i < keys.Length)
                    {
                        entry.Content = keys[i];
                        entry.HasContent = true;
                        _chain[(parent, keys[i])] = h;
                    }
                    _blocks[h] = entry;
                }
                parent = h;
            }
            return;
        }
        foreach (ulong h in e.Hashes)
        {
            if (!_blocks.TryGetValue(h, out var known)) { EventsIgnored++; continue; }
            if (--known.Refs > 0) { _blocks[h] = known; continue; }
            _blocks.Remove(h);
            if (known.HasContent && _chain.TryGetValue((known.Parent, known.Content), out ulong owner) && owner == h)
                _chain.Remove((known.Parent, known.Content));
        }
    }

    private void Clear()
    {
        _blocks.Clear();
        _chain.Clear();
        Resets++;
    }

    /// <summary>
    /// How many leading full blocks of a prompt with <paramref name="tokenIds"/> the real cache holds, counting only
    /// blocks stored at or before <paramref name="asOfUnixSeconds"/> (so a request's own blocks, stored after it
    /// arrived, are not taken for a hit it had).
    /// </summary>
    public int CachedLeadingBlocks(ReadOnlySpan<int> tokenIds, int blockSize, double asOfUnixSeconds = double.PositiveInfinity)
    {
        ulong parent = Root;
        int n = 0;
        for (int start = 0; start + blockSize <= tokenIds.Length; start += blockSize)
        {
            ulong key = KvBlockContent.Key(tokenIds.Slice(start, blockSize));
            if (!_chain.TryGetValue((parent, key), out ulong h) || !_blocks.TryGetValue(h, out var e) || e.StoredAt > asOfUnixSeconds) break;
            parent = h;
            n++;
        }
        return n;
    }
}
