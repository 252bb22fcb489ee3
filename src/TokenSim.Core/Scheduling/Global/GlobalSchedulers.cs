using TokenSim.Core.Plugins;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Every router by its CLI/config name.</summary>
public static class GlobalSchedulers
{
    public static readonly PluginRegistry<IGlobalScheduler, int> Registry = new("router")
    {
        ["round-robin"] = _ => new RoundRobinGlobalScheduler(),
    };
}
