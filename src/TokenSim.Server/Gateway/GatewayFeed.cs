using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;
using TokenSim.Server.Extensions;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;

namespace TokenSim.Server.Gateway;

/// <summary>
/// Turns what the gateway sees of a completion into the twin's events and applies them through the same ingest
/// path as gRPC batches (<see cref="IngestService.IngestAsync"/>): the arrival (prompt length and token ids from the
/// replica's own <c>POST /tokenize</c>, max_tokens as vLLM makes it effective), the first response byte of a stream
/// (its first token) and the end (finished with the output length, or aborted). Nothing here delays the proxied
/// request: each request's events go in order in the background.
/// </summary>
internal sealed partial class GatewayFeed(GatewaySettings gateway, IngestService ingest, GatewayMetrics metrics, IHttpClientFactory http, ILogger<GatewayFeed> log)
{
    public string Deployment => gateway.Deployment;

    /// <summary>Tokenizes on the replica and sends the arrival; owns <paramref name="body"/> and disposes it.</summary>
    public void Arrive(GatewayRequest r, JsonDocument body) => Then(r, async () =>
    {
        using (body)
        {
            var root = body.RootElement;
            (int Count, int? MaxModelLen, int[] Tokens)? tokenized;
            try { tokenized = await TokenizeAsync(r, root); }
            catch (Exception e)
            {
                metrics.CountUntracked(Deployment, "tokenize");
                LogTokenizeFailed(log, r.RequestId, r.Replica, e.Message);
                return;
            }
            if (tokenized is not { Count: > 0 } t) { metrics.CountUntracked(Deployment, "tokenize"); return; }
            int? asked = Int(root, "max_tokens") ?? Int(root, "max_completion_tokens") ?? (r.Chat ? null : 16);
            int rest = t.MaxModelLen is { } len ? len - t.Count : int.MaxValue;
            int maxTokens = Math.Max(1, Math.Min(asked ?? rest, rest));
            var arrived = new RequestArrived { RequestId = r.RequestId, PromptTokens = t.Count, MaxTokens = maxTokens == int.MaxValue ? 16 : maxTokens, FrontendArrival = true };
            if (t.Tokens.Length == t.Count) arrived.PromptTokenIds.AddRange(t.Tokens);
            r.Known = await SendAsync(r, "arrived", r.ArrivedAt, e => e.RequestArrived = arrived);
        }
    });

    public void FirstToken(GatewayRequest r, DateTime at) => Then(r, async () =>
    {
        if (r.Known) await SendAsync(r, "first", at, e => e.FirstToken = new FirstToken { RequestId = r.RequestId });
    });

    /// <summary>The end: finished with <paramref name="outputTokens"/>, or aborted when null (an error, a client gone).</summary>
    public void End(GatewayRequest r, DateTime at, int? outputTokens) => Then(r, async () =>
    {
        if (!r.Known) return;
        if (outputTokens is > 0 and var n) await SendAsync(r, "finished", at, e => e.RequestFinished = new RequestFinished { RequestId = r.RequestId, OutputTokens = n });
        else await SendAsync(r, "aborted", at, e => e.RequestAborted = new RequestAborted { RequestId = r.RequestId });
    });

    private static void Then(GatewayRequest r, Func<Task> next)
    {
        var previous = r.Last;
        r.Last = Run();

        async Task Run()
        {
            await previous;
            await next();
        }
    }

    private async Task<bool> SendAsync(GatewayRequest r, string what, DateTime at, Action<Event> payload)
    {
        var e = new Event { EventId = EventId(r.RequestId, what), Deployment = Deployment, Replica = r.Replica, ProducedAt = Timestamp.FromDateTime(at) };
        payload(e);
        try
        {
            var ack = await ingest.IngestAsync(new IngestBatchRequest { Events = { e } });
            var outcome = ack.Outcomes[0];
            if (outcome.Outcome == Outcome.Applied) return true;
            metrics.CountUntracked(Deployment, what == "arrived" ? "arrival" : "event");
            LogNotApplied(log, r.RequestId, what, outcome.Outcome, outcome.Reason);
        }
        catch (Exception ex)
        {
            metrics.CountUntracked(Deployment, what == "arrived" ? "arrival" : "event");
            LogIngestFailed(log, ex, r.RequestId, what);
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "gateway: {Id}: /tokenize on replica {Replica} failed ({Error}); the twin is not told of this request.")]
    private static partial void LogTokenizeFailed(ILogger logger, string id, int replica, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gateway: {Id}: /tokenize on replica {Replica} answered {Status}.")]
    private static partial void LogTokenizeStatus(ILogger logger, string id, int replica, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gateway: {Id}: the twin did not apply its {What} event: {Outcome} {Reason}")]
    private static partial void LogNotApplied(ILogger logger, string id, string what, Outcome outcome, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "gateway: {Id}: its {What} event could not be ingested")]
    private static partial void LogIngestFailed(ILogger logger, Exception exception, string id, string what);

    /// <summary>Ids up to 128 characters: a long request id is replaced by its hash.</summary>
    private static string EventId(string requestId, string what)
    {
        string id = requestId.Length <= 100 ? requestId : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(requestId)))[..32];
        return $"gw/{id}/{what}";
    }

    /// <summary>vLLM's <c>POST /tokenize</c> on the replica the request went to, with its prompt or messages.</summary>
    private async Task<(int, int?, int[])?> TokenizeAsync(GatewayRequest r, JsonElement body)
    {
        var url = new Uri(gateway.Replicas[r.Replica], "tokenize");
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(TokenizeRequestJson.From(body), GatewayJsonContext.Default.TokenizeRequestJson));
        content.Headers.ContentType = new("application/json");
        using var response = await http.CreateClient(HttpClientExtensions.Tokenize).PostAsync(url, content);
        if (!response.IsSuccessStatusCode)
        {
            LogTokenizeStatus(log, r.RequestId, r.Replica, (int)response.StatusCode);
            return null;
        }
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var root = doc.RootElement;
        int count = root.GetProperty("count").GetInt32();
        int? maxLen = root.TryGetProperty("max_model_len", out var m) && m.TryGetInt32(out int ml) ? ml : null;
        int[] tokens = root.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Array ? [.. t.EnumerateArray().Select(x => x.GetInt32())] : [];
        return (count, maxLen, tokens);
    }

    private static int? Int(JsonElement body, string name) => body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : null;
}
