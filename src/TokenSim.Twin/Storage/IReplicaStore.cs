using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Storage;

/// <summary>
/// Where replica grains keep what they applied, so that a reactivation (after idle collection, or on another silo
/// after a failure) continues where the last activation left off. Registered once per silo.
/// </summary>
public interface IReplicaStore
{
    /// <summary>Whether <see cref="AppendAsync"/> has made a batch durable when it returns (an acknowledgement then means persisted).</summary>
    bool Durable { get; }

    /// <summary>The replica <paramref name="key"/> as stored, or <paramref name="create"/>() when nothing is.</summary>
    Task<ReplicaLive> LoadAsync(string key, Func<ReplicaLive> create, CancellationToken cancellation);

    /// <summary>
    /// Keeps one applied batch, before it is acknowledged. <paramref name="entry"/>'s sequence is the one after
    /// <paramref name="live"/>'s; on success <paramref name="live"/>'s sequence becomes it. Throws
    /// <see cref="ReplicaLogConflictException"/> when another activation has written the replica since this one loaded it.
    /// </summary>
    Task AppendAsync(string key, ReplicaLive live, ReplicaLogEntry entry);

    /// <summary>
    /// How many events the replica <paramref name="key"/> has kept: every event it acknowledged as applied, summed over
    /// its logged batches (0 when nothing is stored). Read without activating the replica.
    /// </summary>
    Task<long> EventsHeldAsync(string key);

    /// <summary>The grain deactivates: the last chance to keep <paramref name="live"/>.</summary>
    Task ReleaseAsync(string key, ReplicaLive live);
}
