using TokenSim.Core.Entities;
using TokenSim.Core.Plugins;

namespace TokenSim.Core.Memory;

/// <summary>Every KV-cache manager by its CLI/config name.</summary>
public static class KvCacheManagers
{
    public static readonly PluginRegistry<IKvCacheManager, ReplicaSpec> Registry = new("KV-cache manager")
    {
        ["paged"] = spec => new PagedKvCacheManager(spec.UsableBlocks, spec.BlockSize),
        ["prefix-caching"] = spec => new PrefixCachingKvCacheManager(spec.UsableBlocks, spec.BlockSize, spec.CpuCacheBlocks, spec.PrefixEviction),
    };

    /// <summary>The manager a replica uses: the one named in its spec, else vLLM's choice by its prefix-caching setting.</summary>
    public static IKvCacheManager For(ReplicaSpec spec) =>
        Registry.Create(spec.KvCacheManager ?? (spec.PrefixCaching ? "prefix-caching" : "paged"), spec);
}
