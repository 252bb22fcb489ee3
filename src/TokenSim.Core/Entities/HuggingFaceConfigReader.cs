using System.Text.Json;

namespace TokenSim.Core.Entities;

/// <summary>Reads the architecture fields TokenSim needs from a Hugging Face <c>config.json</c>.</summary>
public static class HuggingFaceConfigReader
{
    public static ModelSpec ReadFile(string path, string? name = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model config '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Read(stream, name ?? Path.GetFileNameWithoutExtension(path), path);
    }

    public static ModelSpec Read(Stream stream, string name, string source, string? huggingFaceId = null)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream); }
        // System.Text.Json quotes the rest of the document after a bad literal, line breaks included: keep the error one line.
        catch (JsonException e) { throw new FormatException($"{source}: line {e.LineNumber + 1}: not valid JSON: {e.Message.ReplaceLineEndings(" ")}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            // Some multimodal configs nest the language model under text_config.
            if (root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object) root = text;
            int Req(string field) => GetInt(root, field) ?? throw new FormatException($"{source}: field '{field}' is missing or not an integer.");
            int hidden = Req("hidden_size");
            int heads = Req("num_attention_heads");
            int layers = Req("num_hidden_layers");
            int experts = GetInt(root, "num_local_experts") ?? GetInt(root, "num_experts") ?? GetInt(root, "n_routed_experts") ?? 0;
            string dtype = GetString(root, "torch_dtype", source) ?? GetString(root, "dtype", source) ?? "bfloat16";
            // Sliding-window layers only where the config lists them by layer (gpt-oss's layer_types); a bare sliding_window
            // (Mistral's, or Qwen's with use_sliding_window false) is left as full attention.
            int window = GetInt(root, "sliding_window") ?? 0;
            int slidingLayers = root.TryGetProperty("layer_types", out var types) && types.ValueKind == JsonValueKind.Array
                ? types.EnumerateArray().Count(t => t.ValueKind == JsonValueKind.String && t.GetString() == "sliding_attention") : 0;
            if (window <= 0 || slidingLayers == 0) window = slidingLayers = 0;
            if (hidden <= 0 || heads <= 0 || layers <= 0) throw new FormatException($"{source}: hidden_size, num_attention_heads and num_hidden_layers must be positive.");
            return new ModelSpec
            {
                Name = name,
                HuggingFaceId = huggingFaceId,
                NumLayers = layers,
                HiddenSize = hidden,
                NumHeads = heads,
                NumKvHeads = GetInt(root, "num_key_value_heads") ?? heads,
                HeadDim = GetInt(root, "head_dim") ?? hidden / heads,
                IntermediateSize = Req("intermediate_size"),
                VocabSize = Req("vocab_size"),
                TieWordEmbeddings = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
                NumExperts = experts,
                ExpertsPerToken = experts > 0 ? GetInt(root, "num_experts_per_tok") ?? throw new FormatException($"{source}: MoE config without 'num_experts_per_tok'.") : 0,
                MoeIntermediateSize = GetInt(root, "moe_intermediate_size") ?? 0,
                DType = DTypes.Normalize(dtype),
                MaxPositionEmbeddings = GetInt(root, "max_position_embeddings") ?? 4096,
                SlidingWindow = window,
                SlidingWindowLayers = Math.Min(slidingLayers, layers),
            };
        }
    }

    private static int? GetInt(JsonElement root, string field) =>
        root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static string? GetString(JsonElement root, string field, string source)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String) return null;
        // JsonDocument checks a string's UTF-8 only when it is read.
        try { return v.GetString(); }
        catch (InvalidOperationException e) { throw new FormatException($"{source}: field '{field}' is not valid UTF-8 ({e.Message})", e); }
    }
}
