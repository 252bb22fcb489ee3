using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;
using TokenSim.Core.Plugins;

namespace TokenSim.Core.ExecutionTime;

/// <summary>Every execution-time model by its CLI/config name, and the <c>--perf-model</c> parser.</summary>
public static class ExecutionTimeModels
{
    public static readonly PluginRegistry<IExecutionTimeModel, ReplicaSpec> Registry = new("execution-time model")
    {
        ["roofline"] = spec => new RooflineExecutionTimeModel(spec),
        // The operator-level model of the GPU's microarchitecture (docs/hardware.md), constants fitted on A100's tables.
        ["gpu"] = spec => new Gpu.GpuExecutionTimeModel(spec),
    };

    /// <summary>The GPU a profile was measured on, from the <c>&lt;GPU&gt;</c> folder of LLMServingSim's layout (…/perf/&lt;GPU&gt;/&lt;org&gt;/&lt;model&gt;/&lt;dtype&gt;).</summary>
    public static HardwareSpec? ProfileHardware(string dir)
    {
        var parts = Path.GetFullPath(dir).TrimEnd('/').Split('/');
        int perf = Array.LastIndexOf(parts, "perf");
        return perf >= 0 && perf + 1 < parts.Length && HardwareCatalog.TryGet(parts[perf + 1], out var hw) ? hw : null;
    }

    /// <summary>
    /// Parses <c>roofline</c> (or another registered name), <c>roofline:calibrate=DIR</c> (roofline factors fitted
    /// to a measured profile) or <c>profile:DIR</c> into a factory. The profile's
    /// format is detected from the files in DIR; the TP folder is chosen per replica.
    /// </summary>
    public static Func<ReplicaSpec, IExecutionTimeModel> Parse(string perfModel)
    {
        if (perfModel.StartsWith("profile:", StringComparison.OrdinalIgnoreCase))
        {
            // Options follow the directory: profile:DIR,skew=off
            var parts = perfModel["profile:".Length..].Split(',');
            string dir = parts[0];
            bool skew = true;
            foreach (var opt in parts.Skip(1))
                skew = opt.Trim().ToLowerInvariant() switch
                {
                    "skew=on" => true,
                    "skew=off" => false,
                    _ => throw new ArgumentException($"--perf-model: unknown profile option '{opt}'. Known: skew=on, skew=off."),
                };
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--perf-model: profile directory '{dir}' does not exist.");
            if (LlmServingSimProfile.Detect(dir))
                return spec => new ProfileExecutionTimeModel(spec, LlmServingSimProfile.Read(dir, spec.TensorParallel),
                    skew ? SkewFit.Read(File.Exists(Path.Combine(dir, "dense.csv")) ? Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd('/'))! : dir, spec.TensorParallel) : null);
            var layerProfiles = ProfileReader.Read(dir);
            if (!layerProfiles.Any(p => LayerOperatorTables.From(p) is not null || p is AIConfiguratorProfile { Kind: "gemm" }))
                throw new ArgumentException($"--perf-model: '{dir}' holds no profile TokenSim can compose into step times (expected LLMServingSim dense.csv + attention.csv + per_sequence.csv or tp<N>/ folders of them, LLMServingSim v0 layers.csv, Vidur mlp.csv, or AIConfigurator gemm_perf.csv).");
            return spec => LayerProfileFor(dir, layerProfiles, spec);
        }
        if (perfModel.StartsWith("roofline:calibrate=", StringComparison.OrdinalIgnoreCase))
        {
            // Factors fitted on a measured GPU, applied to whatever hardware the replica names (hardware exploration).
            string dir = perfModel["roofline:calibrate=".Length..];
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--perf-model: calibration profile '{dir}' does not exist.");
            if (!LlmServingSimProfile.Detect(dir)) throw new ArgumentException($"--perf-model: '{dir}' is not an LLMServingSim profile to calibrate from.");
            return spec =>
            {
                var profile = LlmServingSimProfile.Read(dir, spec.TensorParallel);
                var measuredOn = ProfileHardware(dir) ?? spec.Hardware;
                return new RooflineExecutionTimeModel(spec, RooflineCalibration.Fit(profile, spec.Model, measuredOn, spec.TensorParallel));
            };
        }
        var factory = Registry[perfModel];
        return spec => factory(spec);
    }

    /// <summary>
    /// The per-layer operator profile under <paramref name="dir"/> measured for <paramref name="spec"/>'s model (Vidur
    /// records the shape; a v0 folder names the model) at a TP degree it covers, with a Vidur-format attention table
    /// of the same shape and TP beside it if there is one.
    /// </summary>
    private static LayerProfileExecutionTimeModel LayerProfileFor(string dir, IReadOnlyList<IOperatorProfile> profiles, ReplicaSpec spec)
    {
        var m = spec.Model;
        bool SameShape(ModelSpec? shape) => shape is not null && shape.HiddenSize == m.HiddenSize && shape.NumHeads == m.NumHeads && shape.NumKvHeads == m.NumKvHeads;
        bool Covers(IOperatorProfile p) => p switch
        {
            VidurProfile v => v.Kind == "mlp" && SameShape(v.Shape) && v.Shape!.IntermediateSize == m.IntermediateSize
                && v.Tables[0].Interpolator.Points.Any(x => (int)x.Key[0] == spec.TensorParallel),
            LlmServingSimV0Profile v0 => ProfileReader.InferModel(v0.Source)?.Name == m.Name && v0.TensorParallel == spec.TensorParallel,
            _ => false,
        };
        var measuredOn = profiles.Select(p => ProfileReader.InferHardware(p.Source, out string? _)).FirstOrDefault(h => h is not null);
        if (measuredOn is not null && measuredOn.Name != spec.Hardware.Name)
            throw new ArgumentException($"--perf-model: '{dir}' was measured on {measuredOn.Name}; the replica runs on {spec.Hardware.Name}.");
        if (profiles.FirstOrDefault(Covers) is { } layer)
        {
            var attention = profiles.OfType<VidurProfile>().FirstOrDefault(v => v.Kind == "attention" && SameShape(v.Shape) && v.TensorParallel == spec.TensorParallel);
            return new LayerProfileExecutionTimeModel(spec, LayerOperatorTables.From(layer, attention)!);
        }
        // AIConfigurator's tables are by operator shape, not by model: any dense model's projections are in them.
        if (profiles.OfType<AIConfiguratorProfile>().FirstOrDefault(p => p.Kind == "gemm") is { } gemm)
        {
            var context = profiles.OfType<AIConfiguratorProfile>().FirstOrDefault(p => p.Kind == "context_attention");
            var generation = profiles.OfType<AIConfiguratorProfile>().FirstOrDefault(p => p.Kind == "generation_attention");
            return new LayerProfileExecutionTimeModel(spec, LayerOperatorTables.FromShapes(dir, gemm, m, spec.TensorParallel, context, generation, spec.KvCacheDType));
        }
        throw new ArgumentException(
            $"--perf-model: '{dir}' has no per-layer profile of {m.Name} at TP {spec.TensorParallel} (has: {string.Join(", ", profiles.Where(p => LayerOperatorTables.From(p) is not null).Select(Describe))}).");
    }

    private static string Describe(IOperatorProfile p) => p switch
    {
        VidurProfile { Shape: { } s } v => $"{Path.GetFileName(Path.GetDirectoryName(v.Source))} (hidden {s.HiddenSize}, {s.NumHeads} heads)",
        LlmServingSimV0Profile v0 => $"{ProfileReader.InferModel(v0.Source)?.Name ?? "?"} TP {v0.TensorParallel}",
        _ => p.Source,
    };
}
