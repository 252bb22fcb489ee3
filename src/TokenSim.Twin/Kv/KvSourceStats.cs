using System.Collections.Concurrent;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Kv;

/// <summary>
/// What one replica's KV-event subscriber did with every sequence number it learned of: applied live, filled from the
/// replay socket, rejected (malformed, by reason), or lost (a gap the replay could not fill, or batches published
/// before the subscriber's first). Duplicates are repeats of numbers already accounted. Thread-safe.
/// </summary>
public sealed class KvSourceStats : IKvSourceCounts
{
    private long _applied, _replayed, _duplicate, _restarts, _sequenceNumbers, _delivered, _deliveryFailures;
    private long _stored, _removed, _cleared, _rejectedNumbered;
    private readonly ConcurrentDictionary<string, long> _rejected = new();
    private readonly ConcurrentDictionary<string, long> _lost = new();

    public long Applied => Interlocked.Read(ref _applied);
    public long Replayed => Interlocked.Read(ref _replayed);
    public long Duplicate => Interlocked.Read(ref _duplicate);
    public long Restarts => Interlocked.Read(ref _restarts);
    public long Rejected => _rejected.Values.Sum();
    public long Lost => _lost.Values.Sum();
    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected;
    public IReadOnlyDictionary<string, long> LostByReason => _lost;
    /// <summary>Sequence numbers the publisher has used, over all its restarts, as far as the subscriber has seen.</summary>
    public long SequenceNumbers => Interlocked.Read(ref _sequenceNumbers);
    /// <summary>Sequence numbers neither applied, replayed, rejected nor lost: zero unless something is wrong.</summary>
    public long Unaccounted => SequenceNumbers - Applied - Replayed - Interlocked.Read(ref _rejectedNumbered) - Lost;
    /// <summary>Batches handed to the mirror, and calls to it that failed (their batches are counted in <see cref="DeliveryFailures"/>).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);
    public long EventsStored => Interlocked.Read(ref _stored);
    public long EventsRemoved => Interlocked.Read(ref _removed);
    public long EventsCleared => Interlocked.Read(ref _cleared);
    public long Events => EventsStored + EventsRemoved + EventsCleared;

    internal void CountApplied(KvMirrorBatch b, bool replayed)
    {
        Interlocked.Increment(ref replayed ? ref _replayed : ref _applied);
        foreach (var e in b.Events)
            switch (e.Kind)
            {
                case KvMirrorEventKind.BlockStored: Interlocked.Increment(ref _stored); break;
                case KvMirrorEventKind.BlockRemoved: Interlocked.Increment(ref _removed); break;
                default: Interlocked.Increment(ref _cleared); break;
            }
    }

    internal void CountDuplicate() => Interlocked.Increment(ref _duplicate);
    internal void CountRestart() => Interlocked.Increment(ref _restarts);
    /// <param name="numbered">The batch had a sequence number (a message without a readable one is counted, not placed).</param>
    internal void CountRejected(string reason, bool numbered)
    {
        _rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);
        if (numbered) Interlocked.Increment(ref _rejectedNumbered);
    }
    internal void CountLost(string reason, long n) { if (n > 0) _lost.AddOrUpdate(reason, n, (_, m) => m + n); }
    internal void AddSequenceNumbers(long n) => Interlocked.Add(ref _sequenceNumbers, n);
    internal void CountDelivered(int batches) => Interlocked.Add(ref _delivered, batches);
    internal void CountDeliveryFailure(int batches) => Interlocked.Add(ref _deliveryFailures, batches);
}
