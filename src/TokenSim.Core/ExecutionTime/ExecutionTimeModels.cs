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
            throw new ArgumentException($"--perf-model: '{dir}' holds no profile TokenSim can compose into step times (expected LLMServingSim dense.csv + attention.csv + per_sequence.csv, or tp<N>/ folders of them).");
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
}
