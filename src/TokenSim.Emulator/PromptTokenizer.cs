using System.Text.Json;

namespace TokenSim.Emulator;

/// <summary>
/// Turns a request body's prompt into token ids. Token ids given by the client (<c>prompt_token_ids</c>, or a
/// <c>prompt</c> that is an array of integers) are used as they are. Text has no tokenizer here: it is cut into
/// 4-character pieces (the usual rule of thumb for English BPE vocabularies, about 4 characters per token), and each
/// piece's id is a stable hash of its characters. Two prompts that share a text prefix therefore share a
/// token-id prefix, and prefix caching and KV events behave as they would with a real tokenizer.
/// Chat messages add 4 template tokens each (role markers, as Llama-3's template does), derived from the role.
/// </summary>
public static class PromptTokenizer
{
    public const int CharsPerToken = 4;
    private const int Vocab = 128_000;

    /// <summary>The prompt of a <c>/v1/completions</c> body; null when the body has none (the caller answers 400).</summary>
    public static int[]? Completion(JsonElement body)
    {
        if (body.TryGetProperty("prompt_token_ids", out var ids) && ids.ValueKind == JsonValueKind.Array) return Ids(ids, "prompt_token_ids");
        if (!body.TryGetProperty("prompt", out var p)) return null;
        return p.ValueKind switch
        {
            JsonValueKind.String => Text(p.GetString()!),
            JsonValueKind.Array when p.GetArrayLength() == 0 => [],
            JsonValueKind.Array when p[0].ValueKind == JsonValueKind.Number => Ids(p, "prompt"),
            JsonValueKind.Array when p[0].ValueKind == JsonValueKind.String && p.GetArrayLength() == 1 => Text(p[0].GetString()!),
            JsonValueKind.Array when p[0].ValueKind == JsonValueKind.String => throw new PromptException("prompt: a batch of several prompts in one request is not supported; send one request per prompt."),
            JsonValueKind.Array when p[0].ValueKind == JsonValueKind.Array => throw new PromptException("prompt: a batch of several token-id prompts in one request is not supported; send one request per prompt."),
            _ => throw new PromptException($"prompt must be a string, a list of token ids or a list with one string (got {p.ValueKind})."),
        };
    }

    /// <summary>The prompt of a <c>/v1/chat/completions</c> body: each message's template tokens and content.</summary>
    public static int[]? Chat(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var msgs)) return null;
        if (msgs.ValueKind != JsonValueKind.Array) throw new PromptException("messages must be a list.");
        var tokens = new List<int>();
        int i = 0;
        foreach (var m in msgs.EnumerateArray())
        {
            string role = m.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : throw new PromptException($"messages[{i}].role is missing.");
            int marker = Piece("<|" + role + "|>");
            tokens.AddRange([1, marker, 2, 3]);
            if (m.TryGetProperty("content", out var c))
            {
                if (c.ValueKind == JsonValueKind.String) tokens.AddRange(Text(c.GetString()!));
                else if (c.ValueKind == JsonValueKind.Array)
                    foreach (var part in c.EnumerateArray())
                        if (part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String) tokens.AddRange(Text(t.GetString()!));
            }
            i++;
        }
        return [.. tokens];
    }

    public static int[] Text(string text)
    {
        var ids = new int[(text.Length + CharsPerToken - 1) / CharsPerToken];
        for (int k = 0; k < ids.Length; k++)
            ids[k] = Piece(text.AsSpan(k * CharsPerToken, Math.Min(CharsPerToken, text.Length - k * CharsPerToken)));
        return ids;
    }

    private static int[] Ids(JsonElement array, string field)
    {
        var ids = new int[array.GetArrayLength()];
        int k = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (!e.TryGetInt32(out ids[k]) || ids[k] < 0) throw new PromptException($"{field}[{k}] is not a token id (a non-negative integer).");
            k++;
        }
        return ids;
    }

    /// <summary>FNV-1a over the characters: stable across runs and processes, unlike string.GetHashCode.</summary>
    private static int Piece(ReadOnlySpan<char> piece)
    {
        uint h = 2166136261;
        foreach (char ch in piece) { h ^= ch; h *= 16777619; }
        return (int)(h % Vocab);
    }
}

/// <summary>A request body whose prompt cannot be read; the server answers 400 with the message.</summary>
public sealed class PromptException(string message) : Exception(message);
