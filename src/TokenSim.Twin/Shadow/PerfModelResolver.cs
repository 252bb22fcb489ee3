using TokenSim.Core.Entities;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Resolves a deployment's <c>perf_model</c>. <c>auto</c> picks the measured profile shipped in the repository's
/// <c>data/profiles/llmservingsim/perf/&lt;GPU&gt;/&lt;org&gt;/&lt;model&gt;/&lt;dtype&gt;</c> for this GPU and model
/// when there is one with a folder for the deployment's TP degree, because it predicts step times far better than the
/// roofline; otherwise the roofline.
/// </summary>
public sealed class PerfModelResolver(string? dataRoot)
{
    /// <summary>The data folder searched, or null when none was found (then <c>auto</c> is always the roofline).</summary>
    public string? DataRoot { get; } = dataRoot;

    public string Resolve(string perfModel, ModelSpec model, HardwareSpec hardware, int tensorParallel = 1)
    {
        if (!string.IsNullOrWhiteSpace(perfModel) && !perfModel.Equals("auto", StringComparison.OrdinalIgnoreCase)) return perfModel;
        return FindProfile(model, hardware, tensorParallel) is { } dir ? $"profile:{dir}" : "roofline";
    }

    private string? FindProfile(ModelSpec model, HardwareSpec hardware, int tensorParallel)
    {
        if (DataRoot is null || model.HuggingFaceId is not { } hfId) return null;
        var perf = Path.Combine(DataRoot, "profiles", "llmservingsim", "perf");
        if (!Directory.Exists(perf)) return null;
        string dtype = model.DType switch { "bfloat16" => "bf16", "float16" => "fp16", var d => d };
        foreach (var gpuDir in Directory.EnumerateDirectories(perf).Order(StringComparer.Ordinal))
        {
            if (!HardwareCatalog.TryGet(Path.GetFileName(gpuDir), out var gpu) || gpu.Name != hardware.Name) continue;
            var dir = Path.Combine(gpuDir, hfId, dtype);
            if (Directory.Exists(Path.Combine(dir, $"tp{tensorParallel}"))) return dir;
        }
        return null;
    }

    /// <summary>The repository's <c>data</c> folder above <paramref name="start"/>; null if none (<see cref="DataFolder.Find"/>).</summary>
    public static string? FindDataRoot(string start) => DataFolder.Find(start);
}
