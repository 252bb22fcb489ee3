using System.Buffers.Binary;
using MessagePack;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Kv;

/// <summary>
/// Reads vLLM's msgpack <c>KVEventBatch</c> (msgspec, <c>array_like</c>, <c>omit_defaults</c>): <c>[ts, events,
/// data_parallel_rank]</c>, each event a positional array led by its class name (vLLM ≤ 0.19) or a map with its class
/// name under "type" (later vLLM). Trailing fields it does not know (later vLLM's <c>group_idx</c>, …) are skipped;
/// trailing fields left out because they hold their default take it. Hashes are ints (vLLM's default, the low 64 bits
/// of the digest) or bytes (the raw digest, folded to its first 8 bytes).
/// </summary>
public static class KvEventDecoder
{
    /// <summary>The batch, or null with a reason code (<see cref="KvRejectReason"/>) and a sentence naming the problem.</summary>
    public static KvMirrorBatch? Decode(long seq, ReadOnlyMemory<byte> payload, out string reason, out string detail)
    {
        reason = detail = "";
        try
        {
            // One pass over the whole payload first, so a problem of the encoding is told apart from one of the layout.
            var check = new MessagePackReader(payload);
            if (check.End) return Fail(KvRejectReason.Msgpack, "the payload is empty", out reason, out detail);
            if (check.NextMessagePackType == MessagePackType.Unknown) return Fail(KvRejectReason.Msgpack, $"not msgpack (type code 0x{check.NextCode:x2})", out reason, out detail);
            check.Skip();
            if (!check.End) return Fail(KvRejectReason.Msgpack, $"{payload.Length - check.Consumed} bytes follow the first msgpack value", out reason, out detail);
        }
        // MessagePack's Skip throws ArgumentOutOfRangeException on a map or array header counting more than the payload could hold.
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or ArgumentOutOfRangeException)
        {
            return Fail(KvRejectReason.Msgpack, $"not well-formed msgpack ({e.Message})", out reason, out detail);
        }
        try
        {
            var r = new MessagePackReader(payload);
            if (r.NextMessagePackType != MessagePackType.Array) return Fail(KvRejectReason.Layout, $"the batch is a msgpack {r.NextMessagePackType}, not an array [ts, events, rank]", out reason, out detail);
            int n = r.ReadArrayHeader();
            if (n < 2) return Fail(KvRejectReason.Layout, $"the batch array has {n} elements; [ts, events, rank] needs at least ts and events", out reason, out detail);
            if (r.NextMessagePackType is not (MessagePackType.Float or MessagePackType.Integer)) return Fail(KvRejectReason.Layout, $"ts is a {r.NextMessagePackType}, not a number", out reason, out detail);
            double ts = r.NextMessagePackType == MessagePackType.Float ? r.ReadDouble() : r.ReadInt64();
            if (r.NextMessagePackType != MessagePackType.Array) return Fail(KvRejectReason.Layout, $"events is a {r.NextMessagePackType}, not an array", out reason, out detail);
            int count = r.ReadArrayHeader();
            var events = new KvMirrorEvent[count];
            for (int i = 0; i < count; i++)
            {
                var e = r.NextMessagePackType switch
                {
                    MessagePackType.Array => ReadArrayEvent(ref r, out detail),
                    MessagePackType.Map => ReadMapEvent(ref r, out detail),
                    var t => Error($"is a msgpack {t}, not an array or a map", out detail),
                };
                if (e is null) return Fail(KvRejectReason.Event, $"event {i}: {detail}", out reason, out detail);
                events[i] = e;
            }
            for (int i = 2; i < n; i++) r.Skip(); // data_parallel_rank and anything later
            return new KvMirrorBatch(seq, ts, events);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            // Well-formed msgpack (checked above) whose values have the wrong types for a batch.
            return Fail(KvRejectReason.Event, $"a field has the wrong type ({e.Message})", out reason, out detail);
        }
    }

    private static KvMirrorBatch? Fail(string code, string why, out string reason, out string detail)
    {
        reason = code;
        detail = why;
        return null;
    }

    private static KvMirrorEvent? Error(string why, out string detail)
    {
        detail = why;
        return null;
    }

    private static KvMirrorEvent? ReadArrayEvent(ref MessagePackReader r, out string detail)
    {
        int n = r.ReadArrayHeader();
        if (n < 1 || r.NextMessagePackType != MessagePackType.String) { detail = "the event array does not start with its class name"; SkipN(ref r, n); return null; }
        string tag = r.ReadString()!;
        KvMirrorEvent? e;
        int used = 1;
        switch (tag)
        {
            case "BlockStored":
            {
                if (n < 5) { detail = $"BlockStored has {n - 1} fields; block_hashes, parent_block_hash, token_ids and block_size are required"; SkipN(ref r, n - 1); return null; }
                var hashes = ReadHashes(ref r);
                ulong? parent = r.TryReadNil() ? null : ReadHash(ref r);
                var tokens = ReadInts(ref r);
                int blockSize = r.ReadInt32();
                used = 5;
                string? medium = null;
                if (n >= 7) { r.Skip(); medium = ReadOptionalString(ref r); used = 7; } // lora_id, medium
                e = Stored(hashes, parent, tokens, blockSize, medium);
                break;
            }
            case "BlockRemoved":
            {
                if (n < 2) { detail = "BlockRemoved has no block_hashes"; SkipN(ref r, n - 1); return null; }
                var hashes = ReadHashes(ref r);
                string? medium = n >= 3 ? ReadOptionalString(ref r) : null;
                used = n >= 3 ? 3 : 2;
                e = new KvMirrorEvent(KvMirrorEventKind.BlockRemoved, hashes, OnGpu: OnGpu(medium));
                break;
            }
            case "AllBlocksCleared":
                e = new KvMirrorEvent(KvMirrorEventKind.AllBlocksCleared, []);
                break;
            default:
                detail = $"unknown event type '{tag}' (known: BlockStored, BlockRemoved, AllBlocksCleared)";
                SkipN(ref r, n - 1);
                return null;
        }
        SkipN(ref r, n - used);
        detail = "";
        return e;
    }

    private static KvMirrorEvent? ReadMapEvent(ref MessagePackReader r, out string detail)
    {
        int n = r.ReadMapHeader();
        string? tag = null, medium = null;
        ulong[]? hashes = null;
        ulong? parent = null;
        int[]? tokens = null;
        int blockSize = 0;
        for (int i = 0; i < n; i++)
        {
            if (r.NextMessagePackType != MessagePackType.String) { r.Skip(); r.Skip(); continue; }
            switch (r.ReadString())
            {
                case "type": tag = ReadOptionalString(ref r); break;
                case "block_hashes": hashes = ReadHashes(ref r); break;
                case "parent_block_hash": parent = r.TryReadNil() ? null : ReadHash(ref r); break;
                case "token_ids": tokens = ReadInts(ref r); break;
                case "block_size": blockSize = r.ReadInt32(); break;
                case "medium": medium = ReadOptionalString(ref r); break;
                default: r.Skip(); break;
            }
        }
        detail = "";
        switch (tag)
        {
            case "BlockStored" when hashes is not null && tokens is not null: return Stored(hashes, parent, tokens, blockSize, medium);
            case "BlockStored": detail = "BlockStored lacks block_hashes or token_ids"; return null;
            case "BlockRemoved" when hashes is not null: return new KvMirrorEvent(KvMirrorEventKind.BlockRemoved, hashes, OnGpu: OnGpu(medium));
            case "BlockRemoved": detail = "BlockRemoved lacks block_hashes"; return null;
            case "AllBlocksCleared": return new KvMirrorEvent(KvMirrorEventKind.AllBlocksCleared, []);
            default: detail = $"unknown event type '{tag}' (known: BlockStored, BlockRemoved, AllBlocksCleared)"; return null;
        }
    }

    private static KvMirrorEvent Stored(ulong[] hashes, ulong? parent, int[] tokens, int blockSize, string? medium) =>
        new(KvMirrorEventKind.BlockStored, hashes, parent, KvBlockContent.Keys(tokens, hashes.Length, blockSize), OnGpu(medium));

    /// <summary>vLLM's medium is "GPU" for the engine's own cache (nil in older versions); "CPU" is an offloading tier.</summary>
    private static bool OnGpu(string? medium) => medium is null || medium.Equals("GPU", StringComparison.OrdinalIgnoreCase);

    private static void SkipN(ref MessagePackReader r, int n)
    {
        for (int i = 0; i < n; i++) r.Skip();
    }

    private static string? ReadOptionalString(ref MessagePackReader r) => r.TryReadNil() ? null : r.ReadString();

    private static ulong[] ReadHashes(ref MessagePackReader r)
    {
        int n = r.ReadArrayHeader();
        var hashes = new ulong[n];
        for (int i = 0; i < n; i++) hashes[i] = ReadHash(ref r);
        return hashes;
    }

    private static ulong ReadHash(ref MessagePackReader r)
    {
        if (r.NextMessagePackType == MessagePackType.Binary)
        {
            var seq = r.ReadBytes()!.Value;
            Span<byte> first = stackalloc byte[8];
            first.Clear();
            var head = seq.Slice(0, Math.Min(8, seq.Length));
            System.Buffers.BuffersExtensions.CopyTo(head, first[(8 - (int)head.Length)..]);
            return BinaryPrimitives.ReadUInt64BigEndian(first);
        }
        byte code = r.NextCode;
        // Negative ints (signed codes or negative fixints) keep their 64-bit pattern.
        if (code is MessagePackCode.Int8 or MessagePackCode.Int16 or MessagePackCode.Int32 or MessagePackCode.Int64 || code >= MessagePackCode.MinNegativeFixInt)
            return unchecked((ulong)r.ReadInt64());
        return r.ReadUInt64();
    }

    private static int[] ReadInts(ref MessagePackReader r)
    {
        int n = r.ReadArrayHeader();
        var ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.ReadInt32();
        return ids;
    }
}
