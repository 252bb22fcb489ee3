using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A durable replica store in memory (a log per replica, replayed on load, as Redis's is) that fails like a killed
/// Redis while <see cref="Down"/> is set: reads and appends throw <see cref="ReplicaStoreUnavailableException"/>.
/// </summary>
public sealed class FlakyReplicaStore : IReplicaStore
{
    private readonly Dictionary<string, List<ReplicaLogEntry>> _logs = new(StringComparer.Ordinal);

    public volatile bool Down;

    public bool Durable => true;

    public Task<ReplicaLive> LoadAsync(string key, Func<ReplicaLive> create, CancellationToken cancellation)
    {
        if (Down) throw new ReplicaStoreUnavailableException($"replica '{key}': the store is down (test)");
        var live = create();
        lock (_logs)
            if (_logs.TryGetValue(key, out var log))
                foreach (var entry in log) live.Replay(entry);
        return Task.FromResult(live);
    }

    public Task AppendAsync(string key, ReplicaLive live, ReplicaLogEntry entry)
    {
        if (Down) throw new ReplicaStoreUnavailableException($"replica '{key}': the store is down (test)");
        lock (_logs)
        {
            if (!_logs.TryGetValue(key, out var log)) _logs[key] = log = [];
            log.Add(entry);
        }
        live.Logged(entry);
        return Task.CompletedTask;
    }

    public Task<long> EventsHeldAsync(string key)
    {
        if (Down) throw new ReplicaStoreUnavailableException($"replica '{key}': the store is down (test)");
        lock (_logs) return Task.FromResult(_logs.TryGetValue(key, out var log) ? log.Sum(e => (long)e.Events.Length) : 0L);
    }

    public Task ReleaseAsync(string key, ReplicaLive live) => Task.CompletedTask;
}
