using System.Diagnostics;
using System.Text.Json;
using Yarp.ReverseProxy.Model;

namespace TokenSim.Server.Gateway;

/// <summary>
/// The step of the reverse proxy's pipeline after load balancing, when the replica is chosen. For a completion
/// (<c>POST /v1/completions</c>, <c>/v1/chat/completions</c>) it makes sure the request carries an
/// <c>X-Request-Id</c> and a W3C <c>traceparent</c> (kept when the client sent them), so vLLM's span of it has
/// <c>gen_ai.request.id</c> = <c>chatcmpl-</c>/<c>cmpl-</c> + that id and joins the request here; reports the arrival
/// to the twin; and watches the response go by (never changing a byte) for its first byte and its end.
/// Everything else passes through untouched.
/// </summary>
internal sealed class GatewayMiddleware(GatewayFeed feed, Metrics.GatewayMetrics metrics, TimeProvider time)
{
    /// <summary>Largest request body read for the twin; a larger one is forwarded but not reported.</summary>
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    public async Task InvokeAsync(HttpContext ctx, Func<Task> next)
    {
        var req = ctx.Request;
        bool chat = req.Path.Equals("/v1/chat/completions", StringComparison.Ordinal);
        bool completions = req.Path.Equals("/v1/completions", StringComparison.Ordinal);
        var destinations = ctx.GetReverseProxyFeature().AvailableDestinations;
        if (!HttpMethods.IsPost(req.Method) || !(chat || completions) || destinations.Count != 1 || !int.TryParse(destinations[0].DestinationId, out int replica))
        {
            await next();
            return;
        }
        var arrivedAt = time.GetUtcNow().UtcDateTime;
        long start = time.GetTimestamp();
        string id = req.Headers["X-Request-Id"].FirstOrDefault() is { Length: > 0 } given ? given : Guid.NewGuid().ToString("N");
        req.Headers["X-Request-Id"] = id;
        if (string.IsNullOrEmpty(req.Headers["traceparent"].FirstOrDefault()))
            req.Headers["traceparent"] = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

        var body = await ReadBodyAsync(req, ctx.RequestAborted);
        bool stream = body is not null && body.RootElement.TryGetProperty("stream", out var st) && st.ValueKind == JsonValueKind.True;
        var tracked = body is null ? null : new GatewayRequest(replica, (chat ? "chatcmpl-" : "cmpl-") + id, chat, stream, arrivedAt);
        if (tracked is not null) feed.Arrive(tracked, body!);
        else metrics.CountUntracked(feed.Deployment, "body");

        var original = ctx.Response.Body;
        var observed = new ObservedResponseStream(original, () =>
        {
            metrics.ObserveFirstByte(feed.Deployment, time.GetElapsedTime(start).TotalSeconds);
            if (tracked is { Stream: true }) feed.FirstToken(tracked, time.GetUtcNow().UtcDateTime);
        });
        ctx.Response.Body = observed;
        try
        {
            await next();
        }
        finally
        {
            ctx.Response.Body = original;
            var endedAt = time.GetUtcNow().UtcDateTime;
            int code = ctx.Response.StatusCode;
            metrics.Forwarded(feed.Deployment, replica, code);
            if (tracked is not null)
            {
                bool ok = code == StatusCodes.Status200OK && !ctx.RequestAborted.IsCancellationRequested && ctx.Features.Get<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>() is null;
                feed.End(tracked, endedAt, ok && !observed.Truncated ? CompletionOutput.Tokens(observed.Captured.Span, tracked.Stream) : null);
            }
        }
    }

    /// <summary>The body as JSON, left rewound for the proxy; null when it is not a JSON object or too large.</summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest req, CancellationToken ct)
    {
        if (req.ContentLength is > MaxBodyBytes) return null;
        req.EnableBuffering(MaxBodyBytes);
        try
        {
            var doc = await JsonDocument.ParseAsync(req.Body, cancellationToken: ct);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null; // not JSON: vLLM answers it with a 400, which the proxy forwards; nothing to report
        }
        finally
        {
            req.Body.Position = 0;
        }
    }
}
