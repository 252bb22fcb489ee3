using TokenSim.Core.Metrics;
namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// Fits <see cref="CommCalibration"/> on measured communication tables, each constant from the points that show it
/// and nothing else, as a median so one odd table cannot pull it:
/// <list type="bullet">
/// <item>PCIe's efficiency with and without peer-to-peer: NCCL's modelled transfer time over the measured one less
/// latency, at 16 MiB and above (bandwidth-bound). NCCL's model has no notion of staging through host memory, and
/// the measured tables run at a third of its figure. Over NVLink and the network NCCL's own bandwidths stand;</item>
/// <item>vLLM's custom all-reduce: its CUDA-graph time at 16 KiB and below (the floor), and the peer bandwidth its
/// one-stage kernel reaches on NVLink from 1 MiB up.</item>
/// </list>
/// Each table votes once (the median of its own points), and the constant is the median of the votes: Vidur's tables
/// hold thousands of points and AIConfigurator's sixty, and neither should outweigh the other.
/// A constant with no points to show it keeps its value in <paramref name="fallback"/> (NCCL's own model unless given).
/// </summary>
public static class CommCalibrationFit
{
    public const double SmallBytes = 16 * 1024, LargeBytes = 16 * 1024 * 1024;

    public static CommCalibration Fit(IEnumerable<CommTable> tables, CommCalibration? fallback = null)
    {
        var f = fallback ?? CommCalibration.Unfitted;
        var all = tables.ToList();
        var nccl = all.Where(t => t.Path == CommPath.Nccl).ToList();
        // With no per-call cost and full efficiency, the model is NCCL's own.
        var bare = f with { NcclCallSeconds = 0, NvLinkEfficiency = 1, PcieP2pEfficiency = 1, PcieShmEfficiency = 1, NetworkEfficiency = 1 };

        // NCCL's own latencies stand too: a per-call cost fitted on the other GPUs' tables made the left-out GPU's
        // small messages worse (H100's measured 6.3 µs is already under NCCL's 7.8 µs), so none is added.
        double call = f.NcclCallSeconds;
        double? Efficiency(Func<CommTable, CommPoint, bool> where) => Vote(nccl, (t, p) => p.Bytes >= LargeBytes && where(t, p), (t, p) =>
        {
            var x = (T: t, P: p);
            var model = new NcclCostModel(x.T.LinkFor(x.P), x.T.ComputeCapability, x.T.PeerToPeer, bare);
            double latency = model.ModelSeconds(x.T.Op, 1, x.P.Ranks);
            double transfer = model.ModelSeconds(x.T.Op, x.P.Bytes, x.P.Ranks) - latency;
            return transfer / Math.Max(x.P.Seconds - latency - call, 1e-9);
        });
        var cls = (CommTable t, CommPoint p) => p.CrossNode ? LinkClass.Network : LinkClasses.Of(t.Link);

        var custom = all.Where(t => t.Path == CommPath.CustomGraph && t.Hardware is not null).ToList();
        double floor = Vote(custom, (t, p) => p.Bytes <= SmallBytes, (t, p) => p.Seconds) ?? f.CustomAllReduceFloorSeconds;
        double? customEff = Vote(custom, (t, p) => p.Bytes >= 1 << 20 && p.Bytes < CustomAllReduceModel.MaxBytes && LinkClasses.Of(t.Link) == LinkClass.NvLink,
            (t, p) =>
            {
                var x = (T: t, P: p);
                int n = x.P.Ranks;
                bool oneStage = n == 2 || n <= 4 && x.P.Bytes < 512 * 1024 || n <= 8 && x.P.Bytes < 256 * 1024;
                double moved = oneStage ? (n - 1) * x.P.Bytes : 2.0 * (n - 1) / n * x.P.Bytes;
                return moved / Math.Max(x.P.Seconds - floor, 1e-9) / x.T.Link.BandwidthBytesPerSecond;
            });

        return f with
        {
            NcclCallSeconds = call,
            // NCCL's own model of NVLink and of the network already holds them better than a fitted factor does: fitted
            // on the other GPUs' tables, a factor made the left-out tables worse (docs/accuracy.md), so it stays 1.
            NvLinkEfficiency = f.NvLinkEfficiency,
            PcieP2pEfficiency = Efficiency((t, p) => cls(t, p) == LinkClass.Pcie && t.PeerToPeer) ?? f.PcieP2pEfficiency,
            PcieShmEfficiency = Efficiency((t, p) => cls(t, p) == LinkClass.Pcie && !t.PeerToPeer) ?? f.PcieShmEfficiency,
            NetworkEfficiency = f.NetworkEfficiency,
            CustomAllReduceFloorSeconds = floor,
            CustomAllReduceNvLinkEfficiency = customEff ?? f.CustomAllReduceNvLinkEfficiency,
        };
    }

    /// <summary>The median over tables of each table's median <paramref name="value"/> on its points passing <paramref name="where"/>.</summary>
    private static double? Vote(IEnumerable<CommTable> tables, Func<CommTable, CommPoint, bool> where, Func<CommTable, CommPoint, double> value) =>
        RobustStats.Median(tables.Select(t => RobustStats.Median(t.Points.Where(p => where(t, p)).Select(p => value(t, p)))).OfType<double>());
}
