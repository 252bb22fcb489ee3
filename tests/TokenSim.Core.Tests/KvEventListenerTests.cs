using TokenSim.Core.Entities;
using TokenSim.Core.Memory;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests;

/// <summary>What a prefix cache tells its <see cref="IKvEventListener"/> (vLLM's KV events), on hand-worked sequences.</summary>
public class KvEventListenerTests
{
    /// <summary>Every call, in order, as text; hashes as 'h' + their value so tests can compare them.</summary>
    private sealed class Recorder : IKvEventListener
    {
        public readonly List<(string Kind, long[] Hashes, long Parent, int[] Tokens, int BlockSize)> Events = [];

        public void OnBlocksStored(ReadOnlySpan<long> blockHashes, long parentHash, ReadOnlySpan<int> tokenIds, int blockSize) =>
            Events.Add(("stored", blockHashes.ToArray(), parentHash, tokenIds.ToArray(), blockSize));

        public void OnBlockRemoved(long blockHash) => Events.Add(("removed", [blockHash], 0, [], 0));
        public void OnAllBlocksCleared() => Events.Add(("cleared", [], 0, [], 0));

        public List<(string Kind, long[] Hashes, long Parent, int[] Tokens, int BlockSize)> Take()
        {
            var e = Events.ToList();
            Events.Clear();
            return e;
        }
    }

    private static Request Req(long id, int[] tokens, int output = 4) => new(id, 0, tokens.Length, output) { TokenIds = tokens };
    private static int[] Tokens(int n, int from = 0) => Enumerable.Range(from, n).ToArray();

    /// <summary>Admits as the V1 scheduler does: look up the hit, allocate the whole sequence.</summary>
    private static int Admit(IKvCacheManager kv, Request r)
    {
        int hit = kv.ComputedPrefixTokens(r);
        r.NumComputed = hit;
        Assert.True(kv.TryAllocate(r, r.NumTokens));
        r.NumComputed = r.NumTokens;
        return hit;
    }

    [Fact]
    public void SharedPrefix_ThenLruEviction_StoresOnlyNewBlocks_AndRemovesTheLeastRecentlyFreed()
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(6, 4) { Listener = rec };
        var a = Req(1, Tokens(12));                        // 3 full blocks
        Admit(kv, a);
        var e = rec.Take();
        var stored = Assert.Single(e);
        Assert.Equal("stored", stored.Kind);
        Assert.Equal(a.BlockHashes![..3], stored.Hashes);
        Assert.Equal(0, stored.Parent);                     // the chain's first block
        Assert.Equal(Tokens(12), stored.Tokens);
        Assert.Equal(4, stored.BlockSize);

        // B shares A's first 2 blocks (hit 8 tokens) and stores only its third, chained to A's second.
        var b = Req(2, [.. Tokens(8), 100, 101, 102, 103]);
        Assert.Equal(8, Admit(kv, b));
        stored = Assert.Single(rec.Take());
        Assert.Equal([b.BlockHashes![2]], stored.Hashes);
        Assert.Equal(a.BlockHashes[1], stored.Parent);
        Assert.Equal([100, 101, 102, 103], stored.Tokens);

        // Freeing reports nothing: the blocks stay cached. Free queue: 4, 5 (never used), then A's block 2, then B's
        // blocks last first: 3, 1, 0.
        kv.Free(a);
        kv.Free(b);
        Assert.Empty(rec.Events);

        // C needs 4 blocks: the 2 never used (no hash), then A's third and B's third, whose hashes are evicted.
        var c = Req(3, Tokens(16, 1000));
        Admit(kv, c);
        e = rec.Take();
        Assert.Equal(["removed", "removed", "stored"], e.Select(x => x.Kind));
        Assert.Equal(a.BlockHashes[2], e[0].Hashes.Single());
        Assert.Equal(b.BlockHashes[2], e[1].Hashes.Single());
        Assert.Equal(c.BlockHashes![..4], e[2].Hashes);
        Assert.Equal(0, e[2].Parent);
        Assert.Equal(Tokens(16, 1000), e[2].Tokens);
    }

    [Fact]
    public void PreemptedRequest_StoresGeneratedBlocksWithoutTokenIds_AndRestoresOnlyWhatWasEvicted()
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(5, 4) { Listener = rec };
        var r = Req(1, Tokens(8), output: 10);
        Admit(kv, r);                                      // blocks 0, 1
        r.Generated = 5;                                   // 13 tokens known, 12 computed: a third full block
        Assert.True(kv.TryAllocate(r, 12));
        r.NumComputed = 12;
        var e = rec.Take();
        Assert.Equal(2, e.Count);
        Assert.Equal(Tokens(8), e[0].Tokens);
        Assert.Equal([r.BlockHashes![2]], e[1].Hashes);
        Assert.Equal(r.BlockHashes[1], e[1].Parent);
        Assert.Empty(e[1].Tokens);                         // generated tokens: ids unknown to the simulator
        long generatedHash = r.BlockHashes[2];

        kv.Free(r);                                        // preempted (recompute): free queue 3, 4, 2, 1, 0
        r.NumComputed = 0;
        r.Preemptions = 1;
        Assert.Empty(rec.Events);

        // D takes blocks 3, 4 and then 2, evicting R's generated block.
        var d = Req(2, Tokens(12, 500));
        Admit(kv, d);
        e = rec.Take();
        Assert.Equal(["removed", "stored"], e.Select(x => x.Kind));
        Assert.Equal(generatedHash, e[0].Hashes.Single());
        kv.Free(d);                                        // free queue 1, 0, then D's blocks last first: 2, 4, 3

        // R comes back: its 2 prompt blocks hit, its generated block must be recomputed on blocks 2 and 4,
        // evicting D's last two blocks; the recomputed block is stored again under the same hash.
        Assert.Equal(8, Admit(kv, r));
        e = rec.Take();
        Assert.Equal(["removed", "removed", "stored"], e.Select(x => x.Kind));
        Assert.Equal(d.BlockHashes![2], e[0].Hashes.Single());
        Assert.Equal(d.BlockHashes[1], e[1].Hashes.Single());
        Assert.Equal([generatedHash], e[2].Hashes);
        Assert.Equal(r.BlockHashes[1], e[2].Parent);
    }

    [Fact]
    public void SameHashOnASecondBlock_IsNotStoredTwice()
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(10, 4) { Listener = rec };
        Admit(kv, Req(1, Tokens(8)));
        rec.Take();
        // The hit is capped at (8 − 1) / 4 = 1 block, so the second block is recomputed onto a new block whose hash
        // is already cached: the cache keeps one block per hash and reports nothing.
        Assert.Equal(4, Admit(kv, Req(2, Tokens(8))));
        Assert.Empty(rec.Events);
    }

    [Fact]
    public void ResetPrefixCache_RefusesWhileBlocksAreHeld_ThenClearsEverything()
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(10, 4) { Listener = rec };
        var a = Req(1, Tokens(12));
        Admit(kv, a);
        rec.Take();
        Assert.False(kv.ResetPrefixCache());
        Assert.Empty(rec.Events);
        kv.Free(a);
        Assert.True(kv.ResetPrefixCache());
        Assert.Equal("cleared", Assert.Single(rec.Take()).Kind);
        Assert.Equal(0, kv.CachedBlockCount);
        // The same prompt misses now and is stored again from the chain's start.
        var again = Req(2, Tokens(12));
        Assert.Equal(0, Admit(kv, again));
        var stored = Assert.Single(rec.Take());
        Assert.Equal(a.BlockHashes![..3], stored.Hashes);
        Assert.Equal(0, stored.Parent);
    }

    [Theory]
    [InlineData(PrefixEviction.Fifo)]
    [InlineData(PrefixEviction.Lfu)]
    public void ResetPrefixCache_KeepsOtherEvictionOrdersConsistent(PrefixEviction eviction)
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(4, 4, eviction: eviction) { Listener = rec };
        var a = Req(1, Tokens(12));
        Admit(kv, a);
        kv.Free(a);
        Assert.True(kv.ResetPrefixCache());
        rec.Take();
        // All 4 blocks can be taken again, none carrying a hash to evict.
        Admit(kv, Req(2, Tokens(16, 100)));
        Assert.Equal(["stored"], rec.Take().Select(x => x.Kind));
        Assert.Equal(0, kv.FreeBlocks);
    }

    [Fact]
    public void Clone_DoesNotCarryTheListener()
    {
        var rec = new Recorder();
        var kv = new PrefixCachingKvCacheManager(10, 4) { Listener = rec };
        var copy = (PrefixCachingKvCacheManager)kv.Clone();
        Assert.Null(copy.Listener);
        Admit(copy, Req(1, Tokens(12)));
        Assert.Empty(rec.Events);
    }

    [Fact]
    public void Listener_ChangesNothingInTheSimulation()
    {
        static (double, double, long) Run(bool listen)
        {
            var sim = TestSupport.Linear(new EngineConfig { KvBlocks = 40, BlockSize = 16, EnablePrefixCaching = true, MaxModelLen = 512 });
            var rec = new Recorder();
            if (listen) ((PrefixCachingKvCacheManager)sim.Replicas[0].Kv).Listener = rec;
            var rng = new Random(7);
            for (int i = 0; i < 40; i++)
            {
                // A few shared system prompts, each with a private tail: hits, evictions and preemptions.
                int[] ids = [.. Tokens(64, 10_000 * (i % 3)), .. Tokens(16 + rng.Next(200), 1_000_000 + 1000 * i)];
                sim.Submit(new RequestSpec(i * 0.01, ids.Length, 32 + rng.Next(64), TokenIds: ids));
            }
            sim.Run();
            if (listen) Assert.Contains(rec.Events, e => e.Kind == "removed");
            var last = sim.Replicas[0];
            return (sim.Now, last.Kv.Usage, last.Kv.PrefixHitTokens);
        }
        Assert.Equal(Run(false), Run(true));
    }
}
