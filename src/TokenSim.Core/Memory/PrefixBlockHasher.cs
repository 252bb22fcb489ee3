using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Memory;

/// <summary>
/// The chained hashes that identify a request's full KV blocks for prefix caching (vLLM's <c>hash_block_tokens</c>):
/// each block's hash mixes its parent's with its content. Prompt blocks hash their token ids, or a trace's prefix
/// block ids (Mooncake <c>hash_ids</c>, one per 512 tokens, expanded to one hash per block); other blocks get a hash
/// salted with the request, so a preempted request can find its own blocks again and nobody else can.
/// </summary>
internal static class PrefixBlockHasher
{
    private const int MooncakeBlockTokens = PrefixHashBlocks.Tokens;

    /// <summary>The chained hash of block <paramref name="i"/> of <paramref name="r"/>, extending its hash array as needed.</summary>
    public static long HashOf(Request r, int i, int blockSize)
    {
        var hashes = r.BlockHashes;
        if (hashes is null || hashes.Length <= i)
        {
            Array.Resize(ref hashes, Math.Max(i + 1, Math.Max(8, (hashes?.Length ?? 0) * 2)));
            r.BlockHashes = hashes;
        }
        for (int j = r.HashedBlocks; j <= i; j++)
        {
            long parent = j == 0 ? 0x5EED_0F_B10C_0001L : hashes[j - 1];
            hashes[j] = Mix(parent, BlockContent(r, j, blockSize));
        }
        if (i >= r.HashedBlocks) r.HashedBlocks = i + 1;
        return hashes[i];
    }

    private static long BlockContent(Request r, int j, int blockSize)
    {
        int end = (j + 1) * blockSize;
        if (end <= r.PromptTokens)
        {
            if (r.TokenIds is { } ids && end <= ids.Length)
            {
                long h = 0x1234_5678_9ABC_DEF1L;
                for (int t = j * blockSize; t < end; t++) h = Mix(h, ids[t]);
                return h;
            }
            if (r.PrefixHashes is { } ph)
            {
                int k = j * blockSize / MooncakeBlockTokens;
                if (k < ph.Length) return Mix(Mix(0x4D00_0000_0000_0000L, ph[k]), j * blockSize % MooncakeBlockTokens);
            }
        }
        // Generated tokens, or a prompt with no ids: unique to this request.
        return Mix(Mix(0x7A17_0000_0000_0000L, r.Id), j);
    }

    /// <summary>A 64-bit mix (splitmix64 finaliser over a combined value); never returns 0, which marks "no hash".</summary>
    private static long Mix(long a, long b) => (long)(SimRandom.Mix64((ulong)a * 0x9E3779B97F4A7C15UL ^ (ulong)b) | 1);
}
