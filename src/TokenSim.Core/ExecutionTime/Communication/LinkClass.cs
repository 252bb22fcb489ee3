using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>The kind of path between two GPUs, which sets NCCL's per-hop latencies and protocols.</summary>
public enum LinkClass
{
    /// <summary>NVLink or NVSwitch (and AMD Infinity Fabric, treated alike).</summary>
    NvLink,
    /// <summary>PCIe, GPU to GPU through a switch or the CPU's root complex.</summary>
    Pcie,
    /// <summary>Between nodes, over the NIC.</summary>
    Network,
}

/// <summary>Classifies a catalog link by its name.</summary>
public static class LinkClasses
{
    public static LinkClass Of(LinkSpec link) =>
        link.Name.StartsWith("pcie", StringComparison.OrdinalIgnoreCase) ? LinkClass.Pcie
        : link.Name.StartsWith("nvlink", StringComparison.OrdinalIgnoreCase) || link.Name.StartsWith("infinity", StringComparison.OrdinalIgnoreCase) || link.Name.StartsWith("xgmi", StringComparison.OrdinalIgnoreCase) ? LinkClass.NvLink
        : LinkClass.Network;
}
