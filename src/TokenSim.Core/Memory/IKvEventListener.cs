namespace TokenSim.Core.Memory;

/// <summary>
/// Told about every change to the set of block hashes a prefix cache holds, in the order they happen: what vLLM
/// publishes with <c>--kv-events-config</c> (<c>BlockStored</c>, <c>BlockRemoved</c>, <c>AllBlocksCleared</c>).
/// Calls come from inside the cache manager, on the simulation's thread, so an implementation must be quick
/// and must not call back into the manager.
/// </summary>
public interface IKvEventListener
{
    /// <summary>
    /// A run of a request's full blocks was registered, consecutive in the request's chain.
    /// </summary>
    /// <param name="blockHashes">The hashes, first block first (only valid during the call).</param>
    /// <param name="parentHash">The hash of the block before the run; 0 when the run starts the chain.</param>
    /// <param name="tokenIds">The run's token ids where the simulator knows them: a prefix of the run's
    /// <c>blockHashes.Length × blockSize</c> tokens, shorter when the run reaches generated tokens (whose ids the
    /// simulator does not have) and empty when the request has no token ids.</param>
    void OnBlocksStored(ReadOnlySpan<long> blockHashes, long parentHash, ReadOnlySpan<int> tokenIds, int blockSize);

    /// <summary>A free cached block was reused for new data, so its hash left the cache.</summary>
    void OnBlockRemoved(long blockHash);

    /// <summary>Every hash was dropped at once (vLLM's <c>reset_prefix_cache</c>).</summary>
    void OnAllBlocksCleared();
}
