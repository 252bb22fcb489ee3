using TokenSim.Core.Simulation;

namespace TokenSim.Core.Memory;

/// <summary>
/// A replica's paged KV cache. Requests hold whole blocks; <see cref="TryAllocate"/> grows a request to cover a
/// token count and allocates nothing when the free pool cannot cover it (vLLM's <c>allocate_slots</c> returning None).
/// </summary>
public interface IKvCacheManager
{
    int BlockSize { get; }
    /// <summary>Blocks requests can use (vLLM's <c>num_gpu_blocks − 1</c>: block 0 is a null block).</summary>
    int TotalBlocks { get; }
    int FreeBlocks { get; }
    int UsedBlocks => TotalBlocks - FreeBlocks;
    /// <summary>vLLM's <c>kv_cache_usage_perc</c> as a fraction.</summary>
    double Usage => TotalBlocks == 0 ? 0 : (double)UsedBlocks / TotalBlocks;

    int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>Whether <paramref name="r"/> could grow to <paramref name="tokens"/> now (vLLM's full-ISL admission check).</summary>
    bool CanFit(Request r, int tokens);

    /// <summary>Grows <paramref name="r"/>'s allocation to cover <paramref name="tokens"/>; false, changing nothing, when blocks run out.</summary>
    bool TryAllocate(Request r, int tokens);

    /// <summary>Releases every block <paramref name="r"/> holds (finish or preemption).</summary>
    void Free(Request r);

    /// <summary>
    /// Tokens already in the cache for a request about to be admitted (prefix caching; 0 without it). The hit is
    /// remembered for the next <see cref="CanFit"/> and <see cref="TryAllocate"/> of the same request.
    /// </summary>
    int ComputedPrefixTokens(Request r) => 0;

    /// <summary>Tokens of <paramref name="r"/>'s prompt this cache holds now, without side effects (for routers).</summary>
    int CachedPrefixTokens(Request r) => 0;

    /// <summary>Blocks fetched from a host-memory tier since the last call (their copy belongs to the next step).</summary>
    int TakeFetchedBlocks() => 0;

    /// <summary>Prompt tokens looked up and found at admission, for the hit rate.</summary>
    long PrefixQueryTokens => 0;
    long PrefixHitTokens => 0;

    /// <summary>
    /// Whether growing <paramref name="r"/> only moves counts (no block identities, hashes or events), so that a run of
    /// decode steps may grow it in one go and get the same state (<c>DecodeRun</c>). False unless a manager says so.
    /// </summary>
    internal bool GrowsByCount(Request r) => false;

    IKvCacheManager Clone();
}
