using System.Buffers;
using MessagePack;

namespace TokenSim.Emulator;

/// <summary>
/// Writes a <c>KVEventBatch</c> as vLLM's msgspec encoder does: the batch is the array <c>[ts, events, data_parallel_rank]</c>;
/// each event is either a positional array led by its class name (vLLM ≤ 0.19) or a map with the class name under
/// "type" (after vLLM PR #42892, which also carries <c>group_idx</c> and <c>kv_cache_spec_kind</c>). Fields with no
/// default are written even when nil; trailing defaults are left out, as <c>omit_defaults</c> does. The simulated
/// cache is one full-attention group on the GPU, with no LoRA and no extra hash keys.
/// </summary>
public static class KvEventEncoder
{
    public static byte[] Encode(double ts, IReadOnlyList<KvEvent> events, int dataParallelRank, KvEventFormat format)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + events.Count * 64);
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(3);
        w.Write(ts);
        w.WriteArrayHeader(events.Count);
        foreach (var e in events)
        {
            if (format == KvEventFormat.Array) WriteArray(ref w, e);
            else WriteMap(ref w, e);
        }
        w.Write(dataParallelRank);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteArray(ref MessagePackWriter w, KvEvent e)
    {
        switch (e)
        {
            case BlockStored s:
                w.WriteArrayHeader(9);
                w.Write("BlockStored");
                Hashes(ref w, s.BlockHashes);
                Parent(ref w, s.ParentHash);
                Tokens(ref w, s.TokenIds);
                w.Write(s.BlockSize);
                w.WriteNil(); // lora_id
                w.Write("GPU"); // medium
                w.WriteNil(); // lora_name
                ExtraKeys(ref w, s.BlockHashes.Length);
                break;
            case BlockRemoved r:
                w.WriteArrayHeader(3);
                w.Write("BlockRemoved");
                Hashes(ref w, r.BlockHashes);
                w.Write("GPU");
                break;
            case AllBlocksCleared:
                w.WriteArrayHeader(1);
                w.Write("AllBlocksCleared");
                break;
            default: throw new ArgumentException($"Unknown KV event {e.GetType().Name}.");
        }
    }

    private static void WriteMap(ref MessagePackWriter w, KvEvent e)
    {
        switch (e)
        {
            case BlockStored s:
                w.WriteMapHeader(11);
                w.Write("type"); w.Write("BlockStored");
                w.Write("block_hashes"); Hashes(ref w, s.BlockHashes);
                w.Write("parent_block_hash"); Parent(ref w, s.ParentHash);
                w.Write("token_ids"); Tokens(ref w, s.TokenIds);
                w.Write("block_size"); w.Write(s.BlockSize);
                w.Write("lora_id"); w.WriteNil();
                w.Write("medium"); w.Write("GPU");
                w.Write("lora_name"); w.WriteNil();
                w.Write("extra_keys"); ExtraKeys(ref w, s.BlockHashes.Length);
                w.Write("group_idx"); w.Write(0);
                w.Write("kv_cache_spec_kind"); w.Write("full_attention");
                break;
            case BlockRemoved r:
                w.WriteMapHeader(4);
                w.Write("type"); w.Write("BlockRemoved");
                w.Write("block_hashes"); Hashes(ref w, r.BlockHashes);
                w.Write("medium"); w.Write("GPU");
                w.Write("group_idx"); w.Write(0);
                break;
            case AllBlocksCleared:
                w.WriteMapHeader(1);
                w.Write("type"); w.Write("AllBlocksCleared");
                break;
            default: throw new ArgumentException($"Unknown KV event {e.GetType().Name}.");
        }
    }

    private static void Hashes(ref MessagePackWriter w, ulong[] hashes)
    {
        w.WriteArrayHeader(hashes.Length);
        foreach (ulong h in hashes) w.Write(h);
    }

    private static void Parent(ref MessagePackWriter w, ulong? parent)
    {
        if (parent is { } p) w.Write(p);
        else w.WriteNil();
    }

    private static void Tokens(ref MessagePackWriter w, int[] ids)
    {
        w.WriteArrayHeader(ids.Length);
        foreach (int t in ids) w.Write(t);
    }

    /// <summary>vLLM sends one entry per block, nil for a plain-text block with no LoRA, media, salt or embeddings.</summary>
    private static void ExtraKeys(ref MessagePackWriter w, int blocks)
    {
        w.WriteArrayHeader(blocks);
        for (int i = 0; i < blocks; i++) w.WriteNil();
    }
}
