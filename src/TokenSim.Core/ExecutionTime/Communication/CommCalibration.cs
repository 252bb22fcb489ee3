namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// The measured corrections to the collective models: what NCCL's own cost model and the link datasheets leave
/// out. <see cref="Default"/> holds the values <see cref="CommCalibrationFit"/> gives on every communication table in
/// <c>data/</c> (<c>tokensim validate ops --profile data/profiles</c> reports them, and each GPU's tables scored
/// with the values fitted without them).
/// </summary>
public sealed record CommCalibration
{
    /// <summary>Per NCCL call, beyond NCCL's modelled latency: launch and proxy (seconds).</summary>
    public double NcclCallSeconds { get; init; }
    /// <summary>Fraction of NCCL's modelled NVLink bus bandwidth a ring reaches.</summary>
    public double NvLinkEfficiency { get; init; }
    /// <summary>Fraction of NCCL's modelled PCIe bus bandwidth reached with peer-to-peer.</summary>
    public double PcieP2pEfficiency { get; init; }
    /// <summary>Fraction of NCCL's modelled PCIe bus bandwidth reached through host memory (no peer-to-peer).</summary>
    public double PcieShmEfficiency { get; init; }
    /// <summary>Fraction of the NIC's bandwidth a ring across nodes reaches.</summary>
    public double NetworkEfficiency { get; init; }
    /// <summary>vLLM's custom all-reduce at the smallest sizes, in a CUDA graph (seconds).</summary>
    public double CustomAllReduceFloorSeconds { get; init; }
    /// <summary>Fraction of the catalog's NVLink bandwidth vLLM's custom all-reduce reads peers at.</summary>
    public double CustomAllReduceNvLinkEfficiency { get; init; }
    /// <summary>Fraction of a PCIe link a GPU's loads from a peer reach (vllm-project/vllm#56128: 42.83 of 64 GB/s).</summary>
    public double PcieP2pLoadFraction { get; init; } = 42.83 / 64;

    /// <summary>
    /// NCCL's own model and nothing measured: no per-call cost beyond NCCL's latency, every transport at NCCL's
    /// bandwidth, vLLM's custom all-reduce with no fixed cost at the link's full rate. What a fit falls back to for a
    /// constant none of its tables shows, so a GPU's tables left out of a fit cannot leak into it through a default.
    /// </summary>
    public static CommCalibration Unfitted { get; } = new()
    {
        NcclCallSeconds = 0, NvLinkEfficiency = 1, PcieP2pEfficiency = 1, PcieShmEfficiency = 1, NetworkEfficiency = 1,
        CustomAllReduceFloorSeconds = 0, CustomAllReduceNvLinkEfficiency = 1,
    };

    public static CommCalibration Default { get; } = new()
    {
        // NCCL's own latencies and its NVLink and network bandwidths stand (CommCalibrationFit says why), and so does
        // its PCIe peer-to-peer bandwidth: no measured peer-to-peer PCIe table is shipped.
        NcclCallSeconds = 0,
        NvLinkEfficiency = 1,
        PcieP2pEfficiency = 1,
        PcieShmEfficiency = 0.333,
        NetworkEfficiency = 1,
        CustomAllReduceFloorSeconds = 4.93e-6,
        CustomAllReduceNvLinkEfficiency = 0.569,
    };
}
