using System.Text;
using System.Text.Json;

namespace TokenSim.Server.Gateway;

/// <summary>
/// How many tokens a completion produced, read from the response the gateway forwarded: <c>usage.completion_tokens</c>
/// when the response carries it (a whole response; a stream with <c>stream_options.include_usage</c>), else the
/// stream's chunks that carry text (vLLM sends one per engine step's output, one token each unless the client asked
/// for more than one token per chunk; a chat stream's leading role chunk has empty content and is not counted).
/// </summary>
internal static class CompletionOutput
{
    public static int? Tokens(ReadOnlySpan<byte> body, bool stream)
    {
        if (!stream) return Usage(body);
        int? usage = null;
        int chunks = 0;
        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]")) continue;
            try
            {
                using var doc = JsonDocument.Parse(data.ToString());
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) continue;
                if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object && u.TryGetProperty("completion_tokens", out var c) && c.TryGetInt32(out int n)) usage = n;
                if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
                    foreach (var choice in choices.EnumerateArray())
                        if (HasText(choice)) chunks++;
            }
            catch (JsonException)
            {
                // A chunk that is not JSON carries no token the gateway can count; the proxy forwarded it as it was.
            }
        }
        return usage ?? (chunks > 0 ? chunks : null);
    }

    private static bool HasText(JsonElement choice) =>
        (choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0)
        || (choice.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String && c.GetString()!.Length > 0);

    private static int? Usage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object
                && u.TryGetProperty("completion_tokens", out var c) && c.TryGetInt32(out int n) ? n : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
