using TokenSim.Core.Entities;
using TokenSim.Core.Plugins;

namespace TokenSim.Core.ExecutionTime;

/// <summary>Every execution-time model by its CLI/config name.</summary>
public static class ExecutionTimeModels
{
    public static readonly PluginRegistry<IExecutionTimeModel, ReplicaSpec> Registry = new("execution-time model")
    {
        ["roofline"] = spec => new RooflineExecutionTimeModel(spec),
    };
}
