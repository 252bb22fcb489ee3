namespace TokenSim.Twin.Kv;

/// <summary>A 64-bit key of one block's token ids, the same wherever it is computed (KV events, a prompt's tokens).</summary>
public static class KvBlockContent
{
    public static ulong Key(ReadOnlySpan<int> tokens)
    {
        ulong h = 0xCBF2_9CE4_8422_2325UL ^ (ulong)tokens.Length;
        foreach (int t in tokens)
        {
            h = (h ^ (uint)t) * 0x9E37_79B9_7F4A_7C15UL;
            h ^= h >> 29;
        }
        h = (h ^ (h >> 32)) * 0xD6E8_FEB8_6659_FD93UL;
        return h ^ (h >> 32);
    }

    /// <summary>One key per block of <paramref name="tokens"/>, or null unless they are exactly <paramref name="blocks"/> × <paramref name="blockSize"/>.</summary>
    public static ulong[]? Keys(ReadOnlySpan<int> tokens, int blocks, int blockSize)
    {
        if (blockSize <= 0 || blocks == 0 || tokens.Length != blocks * blockSize) return null;
        var keys = new ulong[blocks];
        for (int i = 0; i < blocks; i++) keys[i] = Key(tokens.Slice(i * blockSize, blockSize));
        return keys;
    }
}
