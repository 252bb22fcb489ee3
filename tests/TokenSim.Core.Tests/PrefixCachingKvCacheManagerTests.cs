using TokenSim.Core.Entities;
using TokenSim.Core.Memory;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>vLLM V1 prefix caching (VLLM-V1-ENGINE.md §3), checked on small hand-worked cases.</summary>
public class PrefixCachingKvCacheManagerTests
{
    private static Request Req(long id, int[] tokens, int output = 4) => new(id, 0, tokens.Length, output) { TokenIds = tokens };
    private static int[] Tokens(int n, int salt = 0) => Enumerable.Range(salt, n).ToArray();

    /// <summary>Admits as the V1 scheduler does: look up the hit, check the whole sequence fits, allocate the chunk.</summary>
    private static int Admit(IKvCacheManager kv, Request r)
    {
        int hit = kv.ComputedPrefixTokens(r);
        Assert.True(kv.CanFit(r, r.NumTokens));
        r.NumComputed = hit;
        Assert.True(kv.TryAllocate(r, r.NumTokens));
        r.NumComputed = r.NumTokens;
        return hit;
    }

    [Fact]
    public void IdenticalPrompt_HitsWholeBlocks_CappedBelowTheFullPrompt()
    {
        var kv = new PrefixCachingKvCacheManager(20, 16);
        var a = Req(1, Tokens(64));
        Assert.Equal(0, Admit(kv, a));
        Assert.Equal(4, a.BlocksHeld);
        // 64 tokens = 4 full blocks; the hit is capped at (64 − 1) / 16 = 3 blocks, so 16 tokens are recomputed.
        var b = Req(2, Tokens(64));
        Assert.Equal(48, Admit(kv, b));
        Assert.Equal(4, b.BlocksHeld);
        Assert.Equal(20 - 4 - 1, kv.FreeBlocks); // the three shared blocks are counted once
        Assert.Equal(48, kv.PrefixHitTokens);
    }

    [Fact]
    public void MirroredRealCache_DecidesFirstAdmissionHits_BothWays()
    {
        var kv = new PrefixCachingKvCacheManager(20, 16);
        // The real engine holds 2 blocks of a prompt this cache has never seen: 32 tokens hit, on fresh blocks.
        var a = new Request(1, 0, 64, 4) { TokenIds = Tokens(64), ExternalCachedTokens = 32 };
        Assert.Equal(32, Admit(kv, a));
        Assert.Equal(4, a.BlocksHeld);
        Assert.Equal(20 - 4, kv.FreeBlocks);
        Assert.Equal(32, kv.PrefixHitTokens);
        // This cache now holds all 4 of its blocks, but the real one only its first (it evicted the rest): 16 tokens.
        var b = new Request(2, 0, 64, 4) { TokenIds = Tokens(64), ExternalCachedTokens = 16 };
        Assert.Equal(16, Admit(kv, b));
        Assert.Equal(20 - 4 - 3, kv.FreeBlocks); // shares the one hit block, takes three fresh ones
        // The real cache holding the whole prompt still leaves its last token to compute: capped at 3 blocks.
        var c = new Request(3, 0, 64, 4) { TokenIds = Tokens(64), ExternalCachedTokens = 64 };
        Assert.Equal(48, Admit(kv, c));
        // Without a mirror the local cache decides as before.
        Assert.Equal(48, Admit(kv, Req(4, Tokens(64))));
    }

    [Fact]
    public void DifferentTokenInABlock_BreaksTheChain()
    {
        var kv = new PrefixCachingKvCacheManager(20, 16);
        Admit(kv, Req(1, Tokens(64)));
        var t = Tokens(64);
        t[20] = -1; // second block differs, so the third matches nothing either (hashes chain)
        Assert.Equal(16, Admit(kv, Req(2, t)));
    }

    [Fact]
    public void FreedBlocks_StayCached_UntilReusedLeastRecentlyFreedFirst()
    {
        var kv = new PrefixCachingKvCacheManager(8, 16);
        var a = Req(1, Tokens(48));       // 3 blocks
        var b = Req(2, Tokens(48, 1000)); // 3 blocks
        Admit(kv, a);
        Admit(kv, b);
        kv.Free(a);
        kv.Free(b);
        Assert.Equal(8, kv.FreeBlocks);   // cached blocks nobody holds count as free
        // A 4-block request takes the 2 never-used blocks, then the 2 freed first: A's last two.
        Admit(kv, Req(3, Tokens(64, 5000)));
        Assert.Equal(16, kv.ComputedPrefixTokens(Req(4, Tokens(48))));       // A's first block survives
        Assert.Equal(32, kv.ComputedPrefixTokens(Req(5, Tokens(48, 1000)))); // B is untouched (capped at 2 blocks)
    }

    [Fact]
    public void MooncakeHashIds_ExpandTo512OverBlockSizeBlocksEach()
    {
        var kv = new PrefixCachingKvCacheManager(200, 16);
        Request Mc(long id, int[] ids, int len) => new(id, 0, len, 2) { PrefixHashes = ids };
        Admit(kv, Mc(1, [7, 8], 1024));
        // Same two 512-token blocks: capped at (1024 − 1) / 16 = 63 of 64 derived blocks.
        Assert.Equal(63 * 16, kv.ComputedPrefixTokens(Mc(2, [7, 8], 1024)));
        // Only the first 512-token block shared: 32 derived blocks.
        Assert.Equal(32 * 16, kv.ComputedPrefixTokens(Mc(3, [7, 9], 1024)));
    }

    [Fact]
    public void PreemptedRequest_FindsItsOwnBlocksAgain_IncludingGeneratedOnes()
    {
        var kv = new PrefixCachingKvCacheManager(6, 4);
        var b = Req(1, Tokens(8), output: 10);
        Admit(kv, b);                        // 8 prompt tokens: 2 blocks
        b.Generated = 5;                     // 13 tokens known, 12 computed: 3 full blocks registered
        Assert.True(kv.TryAllocate(b, 12));
        b.NumComputed = 12;
        kv.Free(b);                          // preempted by recompute
        b.NumComputed = 0;
        b.Preemptions = 1;
        // All 3 blocks hit (the third holds generated tokens, hashed with the request): only 1 token to recompute.
        Assert.Equal(12, kv.ComputedPrefixTokens(b));
        // Another request with the same prompt shares only the 2 prompt blocks.
        Assert.Equal(4, kv.ComputedPrefixTokens(Req(2, Tokens(8)))); // capped: (8 − 1) / 4 = 1 block
        Assert.Equal(8, kv.ComputedPrefixTokens(Req(3, Tokens(12))));
    }

    [Fact]
    public void Clone_CopiesTheCacheIndependently()
    {
        var kv = new PrefixCachingKvCacheManager(20, 16);
        var a = Req(1, Tokens(64));
        Admit(kv, a);
        var copy = kv.Clone();
        kv.Free(a);
        Assert.Equal(20, kv.FreeBlocks);
        Assert.Equal(16, copy.FreeBlocks);
        Assert.Equal(48, copy.ComputedPrefixTokens(Req(2, Tokens(64))));
    }

    [Fact]
    public void AnonymousRequests_CountOnly_ThenShareThePoolExactlyOnceHashedOnesArrive()
    {
        var kv = new PrefixCachingKvCacheManager(10, 16);
        var anon = new Request(1, 0, 64, 4);          // no token ids: 4 anonymous blocks
        Admit(kv, anon);
        Assert.Equal(6, kv.FreeBlocks);
        var a = Req(2, Tokens(48));                   // 3 hashed blocks
        Admit(kv, a);
        Assert.Equal(3, kv.FreeBlocks);
        kv.Free(a);                                   // A's blocks: cached, free, at the tail
        kv.Free(anon);                                // anonymous blocks after them
        Assert.Equal(10, kv.FreeBlocks);
        // 7 anonymous blocks take the 3 never-used blocks and then A's three (freed before the anonymous ones).
        var big = new Request(3, 0, 112, 4);
        Admit(kv, big);
        Assert.Equal(3, kv.FreeBlocks);
        Assert.Equal(0, kv.ComputedPrefixTokens(Req(4, Tokens(48))));
        kv.Free(big);
        Assert.Equal(10, kv.FreeBlocks);
    }

    [Fact]
    public void CpuTier_KeepsEvictedBlocks_AndHitsOnThemAreFetched()
    {
        // 4 GPU blocks of 16, a host tier of 8. A's 3 hashed blocks are freed, then a 64-token request needs all 4
        // blocks and evicts them to the host tier.
        var kv = new PrefixCachingKvCacheManager(4, 16, cpuBlocks: 8);
        var a = Req(1, Tokens(48));
        Admit(kv, a);
        kv.Free(a);
        var filler = Req(2, Tokens(64, 900));
        Admit(kv, filler);
        Assert.Equal(0, kv.CachedPrefixTokens(Req(3, Tokens(48)))); // gone from the GPU
        kv.Free(filler);
        // B = A's prompt: its hit is capped at (48 − 1) / 16 = 2 blocks, both found in the host tier and fetched back.
        Assert.Equal(32, Admit(kv, Req(4, Tokens(48))));
        Assert.Equal(2, kv.TakeFetchedBlocks());
        Assert.Equal(32, kv.CpuHitTokens);
        Assert.Equal(0, kv.TakeFetchedBlocks()); // taken once: the copy belongs to one step
    }

    [Fact]
    public void WithoutACpuTier_EvictedBlocksAreGone()
    {
        var kv = new PrefixCachingKvCacheManager(4, 16);
        var a = Req(1, Tokens(48));
        Admit(kv, a);
        kv.Free(a);
        var filler = Req(2, Tokens(64, 900));
        Admit(kv, filler);
        kv.Free(filler);
        Assert.Equal(0, Admit(kv, Req(4, Tokens(48))));
    }

    [Theory]
    [InlineData(PrefixEviction.Lru, 32, 0)]   // B was freed first, so B's blocks go first
    [InlineData(PrefixEviction.Fifo, 0, 32)]  // A was cached first, so A's blocks go first
    [InlineData(PrefixEviction.Lfu, 32, 0)]   // no hits: least recently freed first, as LRU
    public void EvictionOrder_FreedOrderAgainstCachedOrder(PrefixEviction order, int aSurvives, int bSurvives)
    {
        // 6 blocks of 16. A then B (48 tokens each, 3 blocks) are cached; B is freed, then A; a new 48-token
        // request takes 3 blocks. Survivors are looked up with the same prompts (hits capped at 2 blocks).
        var kv = new PrefixCachingKvCacheManager(6, 16, eviction: order);
        var a = Req(1, Tokens(48));
        var b = Req(2, Tokens(48, 500));
        Admit(kv, a);
        Admit(kv, b);
        kv.Free(b);
        kv.Free(a);
        Admit(kv, Req(3, Tokens(48, 9000)));
        Assert.Equal(aSurvives, kv.CachedPrefixTokens(Req(5, Tokens(48))));
        Assert.Equal(bSurvives, kv.CachedPrefixTokens(Req(6, Tokens(48, 500))));
    }

    [Theory]
    [InlineData(PrefixEviction.Lru, 32, 0)]   // the order blocks were freed in: B's go first
    [InlineData(PrefixEviction.Lfu, 16, 32)]  // B's first two blocks were hit, so they stay; A's go, deepest first
    public void Lfu_KeepsTheBlocksThatWereHit(PrefixEviction order, int aSurvives, int bSurvives)
    {
        // 7 blocks. A and B cached; a copy of B hits B's first 2 blocks (and takes 1 uncached block).
        // The copy and B are freed before A. A 64-token request takes 4 blocks.
        var kv = new PrefixCachingKvCacheManager(7, 16, eviction: order);
        var a = Req(1, Tokens(48));
        var b = Req(2, Tokens(48, 500));
        Admit(kv, a);
        Admit(kv, b);
        var bCopy = Req(3, Tokens(48, 500));
        Assert.Equal(32, Admit(kv, bCopy));
        kv.Free(bCopy);
        kv.Free(b);
        kv.Free(a);
        Admit(kv, Req(4, Tokens(64, 9000)));
        Assert.Equal(aSurvives, kv.CachedPrefixTokens(Req(5, Tokens(48))));
        Assert.Equal(bSurvives, kv.CachedPrefixTokens(Req(6, Tokens(48, 500))));
    }
}
