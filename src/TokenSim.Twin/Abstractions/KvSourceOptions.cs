namespace TokenSim.Twin.Abstractions;

/// <summary>Where one replica's KV events come from (the twin's side of vLLM's <c>--kv-events-config</c>).</summary>
/// <param name="Endpoint">The SUB socket's endpoint.</param>
/// <param name="Bind">Bind the SUB socket (vLLM's endpoint then names this host without a wildcard, so vLLM connects);
/// else connect to vLLM, which binds when its endpoint has a wildcard (<c>tcp://*:5557</c>, the default).</param>
/// <param name="ReplayEndpoint">vLLM's replay ROUTER socket (always bound by vLLM), or null.</param>
/// <param name="Topic">vLLM's <c>topic</c>: the first frame of every message, subscribed to as a prefix.</param>
public sealed record KvSourceOptions(string Endpoint, bool Bind = false, string? ReplayEndpoint = null, string Topic = "")
{
    /// <summary>How long a replay may take before the rest of a gap is counted lost.</summary>
    public TimeSpan ReplayTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Most batches handed to the mirror in one call.</summary>
    public int MaxBatchesPerDelivery { get; init; } = 1000;
}
