using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Storage;

/// <summary>
/// What a replica grain holds while active: its shadow, the window of applied event ids, and the sequence number of
/// the last batch it logged.
/// </summary>
public sealed class ReplicaLive(ReplicaShadow shadow, SeenEventWindow seen)
{
    public ReplicaShadow Shadow { get; } = shadow;
    public SeenEventWindow Seen { get; } = seen;
    /// <summary>The last logged batch's <see cref="ReplicaLogEntry.Sequence"/>; 0 before the first.</summary>
    public long Sequence { get; set; }
    /// <summary>Events in the logged batches: what <see cref="IReplicaStore.EventsHeldAsync"/> answers for this replica.</summary>
    public long EventsHeld { get; private set; }

    /// <summary>The store kept <paramref name="entry"/>: it is now the last logged batch.</summary>
    public void Logged(ReplicaLogEntry entry)
    {
        Sequence = entry.Sequence;
        EventsHeld += entry.Events.Length;
    }

    /// <summary>Re-applies a logged batch (see <see cref="ReplicaShadow.Restore"/>) and remembers its event ids.</summary>
    public void Replay(ReplicaLogEntry entry)
    {
        if (entry.Sequence != Sequence + 1)
            throw new InvalidDataException($"Replica log entry {entry.Sequence} follows entry {Sequence}: the log has a gap or a repeat.");
        Shadow.Restore(entry.Events, entry.Predictions, entry.OriginUnixSeconds);
        foreach (var e in entry.Events) Seen.Add(e.EventId);
        Logged(entry);
    }
}
