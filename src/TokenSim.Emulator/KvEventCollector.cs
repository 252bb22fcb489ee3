using TokenSim.Core.Memory;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>
/// Gathers the KV events of an emulated engine's cache and hands them to its <see cref="KvEventPublisher"/> one
/// step at a time, as vLLM's scheduler does after each step: the events a step's scheduling raised are due when that
/// step ends. Runs on the engine thread, under the engine's lock.
/// </summary>
public sealed class KvEventCollector(KvEventPublisher publisher) : IKvEventListener, ISimulationObserver, IDisposable
{
    /// <summary>
    /// The id of the synthetic output token: the emulator writes " tok" for each one, which the prompt tokenizer
    /// reads back as this id. Blocks holding generated tokens report it, since the simulation has no real ids.
    /// </summary>
    private static readonly int OutputTokenId = PromptTokenizer.Text(" tok")[0];

    private readonly List<KvEvent> _pending = [];
    private RealTimeEngine? _engine;

    public KvEventPublisher Publisher => publisher;

    /// <summary>Listens to <paramref name="engine"/>'s prefix cache and times batches by its clock.</summary>
    public void Attach(RealTimeEngine engine)
    {
        _engine = engine;
        bool listening = engine.Read(sim =>
        {
            if (sim.Replicas[0].Kv is not PrefixCachingKvCacheManager kv) return false;
            kv.Listener = this;
            return true;
        });
        if (!listening)
            Console.Error.WriteLine("warning: --kv-events-config is set but prefix caching is off, so no KV events will be published (vLLM only warns too).");
    }

    public void OnBlocksStored(ReadOnlySpan<long> blockHashes, long parentHash, ReadOnlySpan<int> tokenIds, int blockSize)
    {
        var hashes = new ulong[blockHashes.Length];
        for (int i = 0; i < hashes.Length; i++) hashes[i] = (ulong)blockHashes[i];
        var tokens = new int[hashes.Length * blockSize];
        tokenIds.CopyTo(tokens);
        tokens.AsSpan(tokenIds.Length).Fill(OutputTokenId);
        _pending.Add(new BlockStored(hashes, parentHash == 0 ? null : (ulong)parentHash, tokens, blockSize));
    }

    // vLLM reports each evicted block in its own event.
    public void OnBlockRemoved(long blockHash) => _pending.Add(new BlockRemoved([(ulong)blockHash]));

    public void OnAllBlocksCleared() => _pending.Add(new AllBlocksCleared());

    public void OnStep(int replica, in BatchShape shape, double start, double seconds)
    {
        if (_pending.Count > 0) Flush(start + seconds);
    }

    /// <summary>Publishes events raised outside a step (a prefix-cache reset) without waiting for one. Call under the engine's lock.</summary>
    public void FlushNow()
    {
        if (_pending.Count > 0) Flush(double.NegativeInfinity);
    }

    private void Flush(double dueSimTime)
    {
        long due = 0;
        if (_engine is { } e && double.IsFinite(dueSimTime))
            due = e.Time.GetTimestamp() + (long)((e.WallAt(dueSimTime) - e.WallNow) * e.Time.TimestampFrequency);
        publisher.Enqueue(due, [.. _pending]);
        _pending.Clear();
    }

    public void Dispose() => publisher.Dispose();
}
