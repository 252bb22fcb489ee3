using Orleans.Serialization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Storage;

/// <summary>
/// Replica grains persisted to Redis as event logs. Per replica, three keys in one hash slot (so a Redis Cluster keeps
/// them together): <c>tokensim:twin:{deployment/replica}:log</c>, a list with one entry per acknowledged batch (the
/// Orleans-serialized <see cref="ReplicaLogEntry"/>), <c>…:seq</c>, the last entry's sequence number, and
/// <c>…:events</c>, the events the entries hold (the deployment's count is rebuilt from it after a kill). A batch is
/// one script call — append the entry and advance the sequence and count if it is still the one this activation last saw — so
/// it costs one round trip whatever the replica's history, and two activations of one replica (a silo thought dead
/// that is not) cannot interleave their batches: the stale one gets <see cref="ReplicaLogConflictException"/>.
/// Activation reads the list and replays it (<see cref="ReplicaLive.Replay"/>), which rebuilds the simulation, the
/// records and the seen-event window exactly.
/// </summary>
public sealed partial class RedisReplicaStore(IConnectionMultiplexer redis, Serializer<ReplicaLogEntry> serializer, ILogger<RedisReplicaStore> log, TimeProvider time) : IReplicaStore
{
    private const int ReadChunk = 2048;

    /// <summary>ARGV: expected previous sequence, new sequence, entry, its event count. Returns the stored sequence when it differs.</summary>
    private const string AppendScript = """
        local last = redis.call('GET', KEYS[2])
        if not last then last = '0' end
        if last ~= ARGV[1] then return last end
        redis.call('RPUSH', KEYS[1], ARGV[3])
        redis.call('SET', KEYS[2], ARGV[2])
        redis.call('INCRBY', KEYS[3], ARGV[4])
        return false
        """;

    public bool Durable => true;

    public static RedisKey LogKey(string replica) => $"tokensim:twin:{{{replica}}}:log";
    public static RedisKey SequenceKey(string replica) => $"tokensim:twin:{{{replica}}}:seq";
    public static RedisKey EventsKey(string replica) => $"tokensim:twin:{{{replica}}}:events";

    public async Task<ReplicaLive> LoadAsync(string key, Func<ReplicaLive> create, CancellationToken cancellation)
    {
        try
        {
            return await ReadAsync(key, create, cancellation);
        }
        catch (RedisException e)
        {
            throw Unavailable(key, "read", e);
        }
    }

    /// <summary>
    /// A Redis failure as the fault it is for a caller: the store is unavailable, retry later. Logged here with its
    /// stack; the exception that travels to the front end carries only its type and message, because Orleans cannot
    /// serialize StackExchange.Redis's exception types.
    /// </summary>
    private ReplicaStoreUnavailableException Unavailable(string key, string what, Exception e)
    {
        LogUnavailable(e, key, what);
        return new($"replica '{key}': Redis could not be {what} ({e.GetType().Name}: {e.Message})");
    }

    private async Task<ReplicaLive> ReadAsync(string key, Func<ReplicaLive> create, CancellationToken cancellation)
    {
        var db = redis.GetDatabase();
        long started = time.GetTimestamp();
        long events = 0;
        var live = create();
        var stored = await db.StringGetAsync(SequenceKey(key));
        long expected = stored.IsNull ? 0 : (long)stored;
        for (long start = 0; live.Sequence < expected; start += ReadChunk)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = await db.ListRangeAsync(LogKey(key), start, start + ReadChunk - 1);
            if (chunk.Length == 0) throw new InvalidDataException($"Replica '{key}': its log ends at entry {live.Sequence} but its sequence key says {expected}.");
            foreach (var value in chunk)
            {
                var entry = serializer.Deserialize((byte[])value!) ?? throw new InvalidDataException($"Replica '{key}': an empty log entry after entry {live.Sequence}.");
                if (entry.Sequence > expected) break; // appended after the sequence was read: the next activation's concern
                live.Replay(entry);
                events += entry.Events.Length;
            }
        }
        if (live.Sequence > 0)
            LogRestored(key, live.Sequence, events, (long)time.GetElapsedTime(started).TotalMilliseconds);
        return live;
    }

    public async Task AppendAsync(string key, ReplicaLive live, ReplicaLogEntry entry)
    {
        var bytes = serializer.SerializeToArray(entry);
        RedisResult result;
        try
        {
            result = await redis.GetDatabase().ScriptEvaluateAsync(AppendScript, [LogKey(key), SequenceKey(key), EventsKey(key)], [live.Sequence, entry.Sequence, bytes, entry.Events.Length]);
        }
        catch (RedisException e)
        {
            throw Unavailable(key, "written", e);
        }
        if (!result.IsNull)
            throw new ReplicaLogConflictException($"Replica '{key}' was written by another activation (its log is at entry {result}, this activation at {live.Sequence}); it reloads on its next call.");
        live.Logged(entry);
    }

    public async Task<long> EventsHeldAsync(string key)
    {
        try
        {
            var db = redis.GetDatabase();
            var counted = await db.StringGetAsync(EventsKey(key));
            if (!counted.IsNull) return (long)counted;
            // A log written before the count was kept (or none): count its entries' events once.
            var stored = await db.StringGetAsync(SequenceKey(key));
            long expected = stored.IsNull ? 0 : (long)stored, sequence = 0, events = 0;
            for (long start = 0; sequence < expected; start += ReadChunk)
            {
                var chunk = await db.ListRangeAsync(LogKey(key), start, start + ReadChunk - 1);
                if (chunk.Length == 0) throw new InvalidDataException($"Replica '{key}': its log ends at entry {sequence} but its sequence key says {expected}.");
                foreach (var value in chunk)
                {
                    var entry = serializer.Deserialize((byte[])value!) ?? throw new InvalidDataException($"Replica '{key}': an empty log entry after entry {sequence}.");
                    if (entry.Sequence > expected) break;
                    sequence = entry.Sequence;
                    events += entry.Events.Length;
                }
            }
            return events;
        }
        catch (RedisException e)
        {
            throw Unavailable(key, "read", e);
        }
    }

    public Task ReleaseAsync(string key, ReplicaLive live) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica}: Redis could not be {What}; the call is answered UNAVAILABLE")]
    private partial void LogUnavailable(Exception e, string replica, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Replica} restored from Redis: {Entries} batches, {Events} events replayed in {Ms} ms")]
    private partial void LogRestored(string replica, long entries, long events, long ms);
}
