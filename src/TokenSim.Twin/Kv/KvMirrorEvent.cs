namespace TokenSim.Twin.Kv;

/// <summary>What a vLLM KV-cache event reports (<c>vllm/distributed/kv_events.py</c>).</summary>
public enum KvMirrorEventKind : byte
{
    BlockStored,
    BlockRemoved,
    AllBlocksCleared,
}

/// <summary>
/// One decoded KV event as the mirror applies it. Hashes are vLLM's external block hashes as 64-bit keys (the int form
/// as it is, a bytes digest folded to its first 8 bytes). <see cref="ContentKeys"/> holds, per stored block, a key of
/// its token ids (<see cref="KvBlockContent.Key"/>), so a prompt's token ids can find the chain without vLLM's hash
/// function; null when the event's token ids do not cover its blocks exactly.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.KvMirrorEvent")]
public sealed record KvMirrorEvent(
    [property: Id(0)] KvMirrorEventKind Kind,
    [property: Id(1)] ulong[] Hashes,
    [property: Id(2)] ulong? Parent = null,
    [property: Id(3)] ulong[]? ContentKeys = null,
    [property: Id(4)] bool OnGpu = true);

/// <summary>
/// One <c>KVEventBatch</c> of a replica's publisher: its sequence number, the engine's wall-clock stamp (Unix seconds)
/// and its events. <see cref="Restart"/>: the publisher restarted (its sequence went back to 0), so the mirror forgets
/// everything before this batch.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.KvMirrorBatch")]
public sealed record KvMirrorBatch(
    [property: Id(0)] long Seq,
    [property: Id(1)] double Timestamp,
    [property: Id(2)] KvMirrorEvent[] Events,
    [property: Id(3)] bool Restart = false);

/// <summary>A replica's mirror after a call: blocks held and events applied so far.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.KvMirrorStatus")]
public sealed record KvMirrorStatus(
    [property: Id(0)] int Blocks,
    [property: Id(1)] long EventsApplied,
    [property: Id(2)] long EventsIgnored,
    [property: Id(3)] long Resets);
