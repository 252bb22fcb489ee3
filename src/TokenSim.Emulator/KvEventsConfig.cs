using System.Globalization;
using System.Text.Json;

namespace TokenSim.Emulator;

/// <summary>How KV events are laid out in msgpack.</summary>
public enum KvEventFormat
{
    /// <summary>vLLM ≤ 0.19: each event a positional array, its class name first.</summary>
    Array,
    /// <summary>vLLM after PR #42892: each event a map of field names, the class name under "type".</summary>
    Map,
}

/// <summary>
/// vLLM's <c>--kv-events-config</c> (<c>vllm/config/kv_events.py:KVEventsConfig</c>), with its defaults. Null from
/// <see cref="Parse"/> when events are off, as vLLM then uses its null publisher.
/// </summary>
public sealed record KvEventsConfig
{
    public string Endpoint { get; init; } = "tcp://*:5557";
    public string? ReplayEndpoint { get; init; }
    public int BufferSteps { get; init; } = 10_000;
    public int Hwm { get; init; } = 100_000;
    public int MaxQueueSize { get; init; } = 100_000;
    public string Topic { get; init; } = "";
    /// <summary>Not vLLM's: which vLLM's wire layout to emit (<c>--kv-events-format</c>).</summary>
    public KvEventFormat Format { get; init; } = KvEventFormat.Array;

    private static readonly string[] Fields = ["enable_kv_cache_events", "publisher", "endpoint", "replay_endpoint", "buffer_steps", "hwm", "max_queue_size", "topic"];

    /// <summary>Reads the JSON vLLM takes; a bad value throws an <see cref="ArgumentException"/> naming the field.</summary>
    public static KvEventsConfig? Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad($"is not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad($"must be a JSON object (got {root.ValueKind})");
            foreach (var p in root.EnumerateObject())
                if (!Fields.Contains(p.Name)) throw Bad($"unknown field '{p.Name}' (known: {string.Join(", ", Fields)})");
            bool enabled = root.TryGetProperty("enable_kv_cache_events", out var en) && (en.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw Bad($"enable_kv_cache_events must be true or false (got {en.GetRawText()})"),
            });
            string? publisher = OptionalString(root, "publisher");
            if (publisher is not (null or "zmq" or "null")) throw Bad($"publisher must be \"zmq\" or \"null\" (got \"{publisher}\")");
            var config = new KvEventsConfig
            {
                Endpoint = OptionalString(root, "endpoint") ?? "tcp://*:5557",
                ReplayEndpoint = OptionalString(root, "replay_endpoint"),
                BufferSteps = OptionalInt(root, "buffer_steps", 10_000, min: 1),
                Hwm = OptionalInt(root, "hwm", 100_000, min: 0),
                MaxQueueSize = OptionalInt(root, "max_queue_size", 100_000, min: 1),
                Topic = OptionalString(root, "topic") ?? "",
            };
            CheckEndpoint("endpoint", config.Endpoint);
            if (config.ReplayEndpoint is { } replay) CheckEndpoint("replay_endpoint", replay);
            return enabled && publisher != "null" ? config : null;
        }
    }

    /// <summary>
    /// The endpoint of data-parallel rank (replica) <paramref name="rank"/>, by vLLM's rule: a TCP port moves up by
    /// the rank, an inproc name gets <c>_dp{rank}</c>, and rank 0 keeps the endpoint as given.
    /// </summary>
    public static string ForRank(string endpoint, int rank)
    {
        if (rank == 0) return endpoint;
        if (endpoint.Contains("inproc", StringComparison.Ordinal)) return $"{endpoint}_dp{rank}";
        int colon = endpoint.LastIndexOf(':');
        return $"{endpoint[..colon]}:{int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture) + rank}";
    }

    /// <summary>vLLM binds the PUB socket for a wildcard or local transport, and connects to anything else.</summary>
    public static bool Binds(string endpoint) =>
        endpoint.Contains('*') || endpoint.Contains("::", StringComparison.Ordinal)
        || endpoint.StartsWith("ipc://", StringComparison.Ordinal) || endpoint.StartsWith("inproc://", StringComparison.Ordinal);

    private static void CheckEndpoint(string field, string endpoint)
    {
        if (endpoint.StartsWith("ipc://", StringComparison.Ordinal))
            throw Bad($"{field} '{endpoint}': ipc:// is not supported here (NetMQ has no Unix-socket transport); use tcp:// or inproc://");
        if (endpoint.StartsWith("inproc://", StringComparison.Ordinal)) return;
        if (!endpoint.StartsWith("tcp://", StringComparison.Ordinal)) throw Bad($"{field} '{endpoint}' must start with tcp:// or inproc://");
        int colon = endpoint.LastIndexOf(':');
        if (colon < "tcp://".Length || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw Bad($"{field} '{endpoint}' needs a port (tcp://HOST:PORT)");
    }

    private static string? OptionalString(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad($"{field} must be a string (got {v.GetRawText()})");
    }

    private static int OptionalInt(JsonElement root, string field, int fallback, int min)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < min)
            throw Bad($"{field} must be an integer of at least {min} (got {v.GetRawText()})");
        return n;
    }

    private static ArgumentException Bad(string what) => new($"--kv-events-config: {what}.");
}
