namespace TokenSim.Twin.Abstractions;

/// <summary>
/// What one replica's KV-event subscriber did with every sequence number it learned of (read side, for metrics):
/// applied live, filled from the replay socket, rejected by <see cref="KvRejectReason"/>, or lost by
/// <see cref="KvLostReason"/>; duplicates are repeats of numbers already accounted for. Thread-safe to read.
/// </summary>
public interface IKvSourceCounts
{
    long Applied { get; }
    long Replayed { get; }
    long Duplicate { get; }
    long Restarts { get; }
    IReadOnlyDictionary<string, long> RejectedByReason { get; }
    IReadOnlyDictionary<string, long> LostByReason { get; }
    /// <summary>Sequence numbers the publisher has used, over all its restarts, as far as the subscriber has seen.</summary>
    long SequenceNumbers { get; }
    /// <summary>Sequence numbers neither applied, replayed, rejected nor lost: zero unless something is wrong.</summary>
    long Unaccounted { get; }
    /// <summary>Batches handed to the mirror.</summary>
    long Delivered { get; }
    /// <summary>Batches whose call to the mirror failed.</summary>
    long DeliveryFailures { get; }
    long EventsStored { get; }
    long EventsRemoved { get; }
    long EventsCleared { get; }
}
