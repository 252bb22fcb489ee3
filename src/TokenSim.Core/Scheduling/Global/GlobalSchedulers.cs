using TokenSim.Core.Plugins;

namespace TokenSim.Core.Scheduling.Global;

/// <summary>Every router by its CLI/config name.</summary>
public static class GlobalSchedulers
{
    public static readonly PluginRegistry<IGlobalScheduler, RouterContext> Registry = new("router")
    {
        ["round-robin"] = _ => new RoundRobinGlobalScheduler(),
        ["random"] = ctx => new RandomGlobalScheduler(ctx.Seed),
        ["least-outstanding"] = _ => new LeastOutstandingGlobalScheduler(),
        ["least-kv"] = _ => new LeastKvGlobalScheduler(),
        ["prefix-affinity"] = _ => new PrefixAffinityGlobalScheduler(),
    };
}
