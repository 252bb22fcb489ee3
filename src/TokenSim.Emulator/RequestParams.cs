using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TokenSim.Emulator;

/// <summary>
/// What vLLM's frontend keeps of a client request beyond its tokens, for the <c>llm_request</c> span: the external
/// request id, the effective sampling parameters, and the W3C trace context the client sent.
/// </summary>
/// <param name="ExternalId"><c>chatcmpl-</c>/<c>cmpl-</c> plus the <c>X-Request-Id</c> header, else the body's <c>request_id</c>, else a random hex uuid.</param>
/// <param name="MaxTokens">The effective max_tokens (the client's; else 16 for completions, the rest of the context for chat).</param>
/// <param name="Temperature">As sampled: 1.0 when the client gives none (vLLM's default without a model generation config).</param>
/// <param name="TopP">As sampled: 1.0 when the client gives none.</param>
/// <param name="N">Sequences per engine request: always 1, since vLLM splits n &gt; 1 into child requests of n = 1.</param>
/// <param name="Parent">The <c>traceparent</c>/<c>tracestate</c> context, or default for a new root.</param>
public sealed record RequestParams(string ExternalId, int MaxTokens, double Temperature = 1.0, double TopP = 1.0, int N = 1, ActivityContext Parent = default)
{
    public static RequestParams Read(HttpRequest http, JsonElement body, bool chat, int maxTokens)
    {
        string baseId = http.Headers["X-Request-Id"].FirstOrDefault() is { } header ? header
            : body.TryGetProperty("request_id", out var rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString()!
            : Guid.NewGuid().ToString("N");
        var parent = ActivityContext.TryParse(http.Headers["traceparent"].FirstOrDefault(), http.Headers["tracestate"].FirstOrDefault(), isRemote: true, out var p) ? p : default;
        return new RequestParams((chat ? "chatcmpl-" : "cmpl-") + baseId, maxTokens, Number(body, "temperature", 1.0), Number(body, "top_p", 1.0), 1, parent);
    }

    private static double Number(JsonElement body, string name, double fallback) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;
}
