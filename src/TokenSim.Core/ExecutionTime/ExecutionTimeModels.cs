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

    /// <summary>
    /// Parses <c>roofline</c> (or another registered name) or <c>profile:DIR</c> into a factory. The profile's
    /// format is detected from the files in DIR; the TP folder is chosen per replica.
    /// </summary>
    public static Func<ReplicaSpec, IExecutionTimeModel> Parse(string perfModel)
    {
        if (perfModel.StartsWith("profile:", StringComparison.OrdinalIgnoreCase))
        {
            string dir = perfModel["profile:".Length..];
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--perf-model: profile directory '{dir}' does not exist.");
            if (LlmServingSimProfile.Detect(dir))
                return spec => new ProfileExecutionTimeModel(spec, LlmServingSimProfile.Read(dir, spec.TensorParallel));
            throw new ArgumentException($"--perf-model: '{dir}' holds no profile TokenSim can compose into step times (expected LLMServingSim dense.csv + attention.csv + per_sequence.csv, or tp<N>/ folders of them).");
        }
        var factory = Registry[perfModel];
        return spec => factory(spec);
    }
}
