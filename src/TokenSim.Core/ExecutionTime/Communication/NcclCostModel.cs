using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// NCCL's own cost model (<c>src/graph/tuning.cc</c>, NCCL 2.23–2.28): for each protocol a ring can run, a latency of
/// <c>baseLat + steps × hwLat[link]</c> and a bandwidth of the bus bandwidth NCCL's topology search finds, scaled per
/// protocol; NCCL runs the cheapest, and so does this model. On top of it, two measured corrections
/// (<see cref="CommCalibration"/>): a fixed cost per call that NCCL's model leaves out (kernel launch, proxy), and the
/// fraction of the modelled bus bandwidth the transport really reaches (NVLink, PCIe peer-to-peer, or PCIe through
/// host memory when peer-to-peer is off).
/// </summary>
/// <remarks>
/// Constants, all from <c>tuning.cc</c>: ring base latency LL 6.6, LL128 14.0, Simple 8.4 µs; per-hop latency on
/// NVLink 0.6 / 1.9 / 3.4 µs, on PCIe 1.0 / 2.5 / 5.7 µs, on the network 2.7 / 4.0 / 14.0 µs. LL runs at half the bus
/// bandwidth (at most <c>llMaxBw</c>: 87.7 GB/s before Hopper, 141 on Hopper, 282 on Blackwell), LL128 at 92% and only
/// over NVLink, Simple at all of it. A ring takes 2(n−1) steps for an all-reduce and n−1 for an all-gather or a
/// reduce-scatter, and its algorithm bandwidth is the bus bandwidth × n / steps.
/// The bus bandwidth is NCCL's topology figure: over PCIe, <c>width × speed / 80</c> (24 GB/s for Gen4 x16, 48 for
/// Gen5; 0.75 of the raw rate), rounded down to the ring search's speed list (<c>search.cc</c>); over NVLink, NCCL's
/// per-link figure (20.0 GB/s on Ampere, 20.6 on Hopper, 40.1 on Blackwell) against the physical 25 or 50 GB/s, 0.8
/// of the catalog's aggregate.
/// </remarks>
public sealed class NcclCostModel : ICollectiveModel
{
    private static readonly double[] RingBaseLatencyUs = [6.6, 14.0, 8.4];
    private static readonly double[] SpeedsBeforeHopper = [40, 30, 20, 18, 15, 12, 10, 9, 7, 6, 5, 4, 3];
    private static readonly double[] SpeedsHopperOn = [60, 40, 30, 24, 20, 15, 12, 6, 3];

    private readonly double[] _hopLatencyUs;
    private readonly double _busBwGBps, _llMaxBwGBps, _launchSeconds;
    private readonly bool _ll128;

    /// <param name="link">The path between the ranks.</param>
    /// <param name="computeCapability">The GPUs' CUDA compute capability (0 for none: Ampere's limits apply).</param>
    /// <param name="peerToPeer">Whether the GPUs reach each other directly; else NCCL stages through host memory.</param>
    /// <param name="calibration">The measured corrections; <see cref="CommCalibration.Default"/> when null.</param>
    public NcclCostModel(LinkSpec link, double computeCapability, bool peerToPeer, CommCalibration? calibration = null)
    {
        var c = calibration ?? CommCalibration.Default;
        Link = link;
        Class = LinkClasses.Of(link);
        PeerToPeer = peerToPeer;
        _hopLatencyUs = Class switch
        {
            LinkClass.NvLink => [0.6, 1.9, 3.4],
            LinkClass.Pcie => [1.0, 2.5, 5.7],
            _ => [2.7, 4.0, 14.0],
        };
        _ll128 = Class == LinkClass.NvLink;
        _llMaxBwGBps = computeCapability >= 10 ? 282 : computeCapability >= 9 ? 141 : 87.7;
        double efficiency = Class switch
        {
            LinkClass.NvLink => c.NvLinkEfficiency,
            LinkClass.Pcie => peerToPeer ? c.PcieP2pEfficiency : c.PcieShmEfficiency,
            _ => c.NetworkEfficiency,
        };
        ModelBusBandwidthGBps = TopologyBusBandwidthGBps(link, Class, computeCapability);
        _busBwGBps = ModelBusBandwidthGBps * efficiency;
        _launchSeconds = c.NcclCallSeconds;
    }

    public LinkSpec Link { get; }
    public LinkClass Class { get; }
    public bool PeerToPeer { get; }
    /// <summary>NCCL's own bus bandwidth for this path (GB/s), before the measured transport efficiency.</summary>
    public double ModelBusBandwidthGBps { get; }

    public string Name => $"nccl-model:{Link.Name}{(Class == LinkClass.Pcie ? PeerToPeer ? "/p2p" : "/shm" : "")}";

    /// <summary>The bus bandwidth NCCL's topology gives a ring over <paramref name="link"/> (GB/s).</summary>
    public static double TopologyBusBandwidthGBps(LinkSpec link, LinkClass linkClass, double computeCapability)
    {
        double raw = link.BandwidthBytesPerSecond / 1e9;
        if (linkClass == LinkClass.Pcie)
        {
            double nccl = 0.75 * raw;
            var speeds = computeCapability >= 9 ? SpeedsHopperOn : SpeedsBeforeHopper;
            foreach (var s in speeds) if (s <= nccl) return s;
            return nccl;
        }
        return linkClass == LinkClass.NvLink ? 0.8 * raw : raw;
    }

    public double Seconds(CollectiveOp op, double bytes, int ranks, bool graphed = true)
    {
        if (ranks <= 1 || bytes <= 0) return 0;
        return ModelSeconds(op, bytes, ranks) + _launchSeconds;
    }

    /// <summary>NCCL's cheapest protocol for the call, without the per-call cost NCCL's model leaves out.</summary>
    public double ModelSeconds(CollectiveOp op, double bytes, int ranks)
    {
        int steps = op switch
        {
            CollectiveOp.AllReduce => 2 * (ranks - 1),
            CollectiveOp.AllGather or CollectiveOp.ReduceScatter => ranks - 1,
            _ => 1,
        };
        double ratio = op == CollectiveOp.SendRecv ? 1 : (double)ranks / steps;
        double best = double.PositiveInfinity;
        for (int proto = 0; proto < 3; proto++)
        {
            if (proto == 1 && !_ll128) continue;
            double bw = proto switch { 0 => Math.Min(_llMaxBwGBps, 0.5 * _busBwGBps), 1 => 0.92 * _busBwGBps, _ => _busBwGBps };
            double us = RingBaseLatencyUs[proto] + steps * _hopLatencyUs[proto] + bytes / (1e3 * bw * ratio);
            best = Math.Min(best, us);
        }
        return best * 1e-6;
    }
}
