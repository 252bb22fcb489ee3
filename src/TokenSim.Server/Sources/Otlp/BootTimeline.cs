namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// vLLM's start-up spans (<c>Load model</c>, <c>Allocate KV cache</c>, <c>Capture model</c>, …; VLLM-TELEMETRY.md §1.3),
/// kept per replica as a boot timeline: the last <see cref="Capacity"/> per replica, in the order received. Held by
/// the server process, not by a grain: it is for people reading how long a replica took to start.
/// </summary>
public sealed class BootTimeline
{
    public const int Capacity = 256;
    private readonly Dictionary<string, Queue<BootSpan>> _byReplica = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>A span of a vLLM process starting; <see cref="Deployment"/> and <see cref="Replica"/> are empty when its resource maps to none.</summary>
    public sealed record BootSpan(string Deployment, string Replica, string Service, string Name, string? Function, double StartUnixSeconds, double DurationSeconds);

    /// <summary>Whether a span that is not a request span is one of vLLM's start-up spans: an <c>@instrument</c>ed function's.</summary>
    public static bool IsBootSpan(OpenTelemetry.Proto.Trace.V1.Span span) =>
        span.Kind == OpenTelemetry.Proto.Trace.V1.Span.Types.SpanKind.Internal && span.Attributes.Any(a => a.Key == "code.function");

    public void Add(BootSpan span)
    {
        string key = $"{span.Deployment}/{span.Replica}/{span.Service}";
        lock (_lock)
        {
            if (!_byReplica.TryGetValue(key, out var q)) _byReplica[key] = q = new Queue<BootSpan>();
            q.Enqueue(span);
            if (q.Count > Capacity) q.Dequeue();
        }
    }

    public BootSpan[] Snapshot()
    {
        lock (_lock) return [.. _byReplica.Values.SelectMany(q => q).OrderBy(s => s.StartUnixSeconds)];
    }
}
