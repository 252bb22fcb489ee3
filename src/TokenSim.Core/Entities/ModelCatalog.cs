using System.Collections.Frozen;

namespace TokenSim.Core.Entities;

/// <summary>
/// The built-in models, known by their CLI name and by their Hugging Face id. The configs are copies of the
/// published Hugging Face <c>config.json</c> files (see <c>data/models/README.md</c>), embedded in this assembly.
/// </summary>
public static class ModelCatalog
{
    private sealed record Entry(string Name, string Resource, string[] HuggingFaceIds);

    private static readonly Entry[] Entries =
    [
        new("llama-2-7b", "meta-llama--Llama-2-7b-hf", ["meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b"]),
        new("llama-2-13b", "meta-llama--Llama-2-13b-hf", ["meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-13b-chat-hf", "meta-llama/Llama-2-13b"]),
        new("llama-2-70b", "meta-llama--Llama-2-70b-hf", ["meta-llama/Llama-2-70b-hf", "meta-llama/Llama-2-70b-chat-hf", "meta-llama/Llama-2-70b"]),
        new("llama-3.1-8b", "meta-llama--Meta-Llama-3.1-8B", ["meta-llama/Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct", "nvidia/Llama-3.1-8B-Instruct-FP8"]),
        new("llama-3.1-70b", "meta-llama--Meta-Llama-3.1-70B", ["meta-llama/Llama-3.1-70B", "meta-llama/Meta-Llama-3.1-70B", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct"]),
        new("codellama-34b", "codellama--CodeLlama-34b-Instruct-hf", ["codellama/CodeLlama-34b-Instruct-hf", "meta-llama/CodeLlama-34b-Instruct-hf", "codellama/CodeLlama-34b-hf"]),
        new("mixtral-8x7b", "mistralai--Mixtral-8x7B-v0.1", ["mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1"]),
        new("qwen3-8b", "Qwen--Qwen3-8B", ["Qwen/Qwen3-8B"]),
        new("qwen3-32b", "Qwen--Qwen3-32B", ["Qwen/Qwen3-32B"]),
        new("qwen3-30b-a3b", "Qwen--Qwen3-30B-A3B-Instruct-2507", ["Qwen/Qwen3-30B-A3B-Instruct-2507", "Qwen/Qwen3-30B-A3B"]),
        new("qwen3-235b-a22b", "Qwen--Qwen3-235B-A22B-FP8", ["Qwen/Qwen3-235B-A22B-FP8", "Qwen/Qwen3-235B-A22B", "Qwen/Qwen3-235B-A22B-Instruct-2507"]),
        new("gpt-oss-120b", "openai--gpt-oss-120b", ["openai/gpt-oss-120b"]),
        new("minimax-m2.5", "MiniMaxAI--MiniMax-M2.5", ["MiniMaxAI/MiniMax-M2.5"]),
    ];

    private static readonly FrozenDictionary<string, Entry> ByKey = BuildIndex();

    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    private static FrozenDictionary<string, Entry> BuildIndex()
    {
        var d = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in Entries)
        {
            d[e.Name] = e;
            foreach (var id in e.HuggingFaceIds) d[id] = e;
        }
        return d.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public static bool TryGet(string nameOrId, out ModelSpec model)
    {
        if (!ByKey.TryGetValue(nameOrId.Trim(), out var e)) { model = null!; return false; }
        using var stream = EmbeddedData.Open($"models/{e.Resource}.config.json");
        model = HuggingFaceConfigReader.Read(stream, e.Name, $"embedded models/{e.Resource}.config.json", e.HuggingFaceIds[0]);
        return true;
    }

    /// <summary>Resolves a CLI name, a Hugging Face id, or a path to a <c>config.json</c>.</summary>
    public static ModelSpec Resolve(string nameOrPath)
    {
        if (TryGet(nameOrPath, out var model)) return model;
        if (File.Exists(nameOrPath)) return HuggingFaceConfigReader.ReadFile(nameOrPath);
        if (Directory.Exists(nameOrPath) && File.Exists(Path.Combine(nameOrPath, "config.json")))
            return HuggingFaceConfigReader.ReadFile(Path.Combine(nameOrPath, "config.json"), Path.GetFileName(Path.GetFullPath(nameOrPath).TrimEnd('/')));
        // Hugging Face ids hold a slash too (meta-llama/Llama-3.1-8B), but not a .json ending or a leading ./ or /.
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(nameOrPath) || nameOrPath.StartsWith("./", StringComparison.Ordinal) || nameOrPath.StartsWith("../", StringComparison.Ordinal))
            throw new ArgumentException($"--model {nameOrPath}: no such file or folder (a Hugging Face config.json, or a folder holding one).");
        throw new ArgumentException($"Unknown model '{nameOrPath}'. Known: {string.Join(", ", Names)}; or give a path to a Hugging Face config.json.");
    }
}
