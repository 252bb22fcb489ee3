using System.Collections.Concurrent;

namespace TokenSim.Twin.Storage;

/// <summary>
/// The embedded default: nothing is written per batch (an acknowledgement means applied, and everything dies with the
/// process). A deactivating replica parks its live state here and its next activation in this silo takes it back, so
/// idle collection loses nothing, the simulation included.
/// </summary>
public sealed class InMemoryReplicaStore : IReplicaStore
{
    private readonly ConcurrentDictionary<string, ReplicaLive> _parked = new(StringComparer.Ordinal);
    /// <summary>Events applied per replica, kept apart from the live states so an active replica is counted too.</summary>
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);

    public bool Durable => false;

    public Task<ReplicaLive> LoadAsync(string key, Func<ReplicaLive> create, CancellationToken cancellation) =>
        Task.FromResult(_parked.TryRemove(key, out var live) ? live : create());

    public Task AppendAsync(string key, ReplicaLive live, ReplicaLogEntry entry)
    {
        live.Logged(entry);
        _held.AddOrUpdate(key, entry.Events.Length, (_, n) => n + entry.Events.Length);
        return Task.CompletedTask;
    }

    public Task<long> EventsHeldAsync(string key) => Task.FromResult(_held.GetValueOrDefault(key));

    public Task ReleaseAsync(string key, ReplicaLive live)
    {
        _parked[key] = live;
        return Task.CompletedTask;
    }
}
