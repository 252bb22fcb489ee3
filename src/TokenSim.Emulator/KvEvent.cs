namespace TokenSim.Emulator;

/// <summary>One of vLLM's KV-cache events (<c>vllm/distributed/kv_events.py</c>), hashes as vLLM's int form (unsigned 64-bit).</summary>
public abstract record KvEvent;

/// <summary>Newly cached full blocks of one request, consecutive in its chain; <paramref name="ParentHash"/> null at the chain's start.</summary>
public sealed record BlockStored(ulong[] BlockHashes, ulong? ParentHash, int[] TokenIds, int BlockSize) : KvEvent;

/// <summary>Cached blocks evicted for new data.</summary>
public sealed record BlockRemoved(ulong[] BlockHashes) : KvEvent;

/// <summary>The whole prefix cache was reset.</summary>
public sealed record AllBlocksCleared : KvEvent;
