using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// vLLM's custom all-reduce (<c>csrc/custom_all_reduce.cuh</c>): every rank maps its peers' buffers and reduces by
/// loading them directly. Two ranks, or small messages on 4 (under 512 KB) and 8 (under 256 KB), run the one-stage
/// kernel, which reads each peer's whole buffer; larger ones the two-stage kernel (reduce-scatter, then all-gather,
/// each moving (n−1)/n of the buffer). Inside a CUDA graph the input is already in the shared buffer; launched eagerly
/// it is first copied there.
/// </summary>
/// <remarks>
/// The fixed cost (flag barriers and launch) is measured (<see cref="CommCalibration.CustomAllReduceFloorSeconds"/>).
/// The peer bandwidth is the link's: over NVLink the catalog's aggregate times a measured efficiency; over PCIe the
/// fraction of the link a GPU's loads from a peer reach, 42.83 GB/s of Gen5 x16's 64 on RTX PRO 6000 Blackwell
/// (vllm-project/vllm#56128, cudaIpc peer loads, 1.3 MB, isolated).
/// </remarks>
public sealed class CustomAllReduceModel(HardwareSpec hardware, LinkSpec link, CommCalibration? calibration = null)
{
    private readonly CommCalibration _c = calibration ?? CommCalibration.Default;

    /// <summary>vLLM's default largest message for the custom kernel (<c>max_size = 8192 * 1024</c>).</summary>
    public const double MaxBytes = 8192 * 1024;

    /// <summary>
    /// Whether vLLM takes this path (<c>CustomAllreduce.__init__</c> and <c>should_custom_ar</c>): peer-to-peer
    /// access, a supported world size (2, 4, 6, 8), NVLink between all ranks unless there are only two, a message
    /// under the maximum and a multiple of 16 bytes.
    /// </summary>
    public bool Applies(double bytes, int ranks) =>
        hardware.PeerToPeer && ranks is 2 or 4 or 6 or 8 && (ranks == 2 || LinkClasses.Of(link) == LinkClass.NvLink)
        && bytes < MaxBytes && bytes % 16 == 0;

    public double PeerBandwidthBytesPerSecond => LinkClasses.Of(link) == LinkClass.Pcie
        ? link.BandwidthBytesPerSecond * _c.PcieP2pLoadFraction
        : link.BandwidthBytesPerSecond * _c.CustomAllReduceNvLinkEfficiency;

    public double Seconds(double bytes, int ranks, bool graphed)
    {
        if (ranks <= 1 || bytes <= 0) return 0;
        bool oneStage = ranks == 2 || ranks <= 4 && bytes < 512 * 1024 || ranks <= 8 && bytes < 256 * 1024;
        double moved = oneStage ? (ranks - 1) * bytes : 2.0 * (ranks - 1) / ranks * bytes;
        double t = _c.CustomAllReduceFloorSeconds + moved / PeerBandwidthBytesPerSecond;
        // Eagerly, vLLM copies the input into the registered buffer first (one device-to-device copy).
        if (!graphed) t += 2 * bytes / hardware.MemoryBandwidthBytesPerSecond;
        return t;
    }
}
