using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// The collectives vLLM runs on a deployment's GPUs, by the path vLLM itself picks
/// (<c>CudaCommunicator.all_reduce</c>): its custom all-reduce where it applies (<see cref="CustomAllReduceModel.Applies"/>),
/// NCCL otherwise, and NCCL for all-gather, reduce-scatter and send/recv. Each call is measured where the GPU has tables
/// (<see cref="MeasuredCollectives"/>) and modelled elsewhere (<see cref="NcclCostModel"/>, <see cref="CustomAllReduceModel"/>).
/// </summary>
public sealed class VllmCollectives : ICollectiveModel
{
    private readonly CustomAllReduceModel _custom;
    private readonly NcclCostModel _nccl;
    private readonly Lazy<MeasuredCollectives?> _measured;
    private readonly HardwareSpec _hardware;

    public VllmCollectives(HardwareSpec hardware, LinkSpec link, CommCalibration? calibration = null, MeasuredCollectives? measured = null)
        : this(hardware, link, calibration, new Lazy<MeasuredCollectives?>(measured))
    {
    }

    /// <summary>Reads the measured tables only when a collective is first timed: a TP 1 replica never needs them.</summary>
    private VllmCollectives(HardwareSpec hardware, LinkSpec link, CommCalibration? calibration, Lazy<MeasuredCollectives?> measured)
    {
        _hardware = hardware;
        _custom = new CustomAllReduceModel(hardware, link, calibration);
        // Off a GPU's own board (across nodes) there is no peer-to-peer; within one, the catalog says.
        bool p2p = hardware.PeerToPeer && LinkClasses.Of(link) != LinkClass.Network;
        _nccl = new NcclCostModel(link, hardware.ComputeCapability, p2p, calibration);
        _measured = measured;
    }

    /// <summary>vLLM's collectives for <paramref name="spec"/>'s TP link, measured where its GPU has tables in the data folder.</summary>
    public static VllmCollectives For(ReplicaSpec spec) =>
        new(spec.Hardware, RooflineExecutionTimeModel.TpLink(spec.Hardware, spec.TensorParallel), null,
            new Lazy<MeasuredCollectives?>(() => MeasuredCollectives.For(spec.Hardware)));

    /// <summary>
    /// vLLM's collectives over one TP rank's DP group (the MoE dispatch and combine): its members sit
    /// <c>tp</c> GPUs apart among the <c>tp × dp</c> the EP group spans, so once those outgrow a node the ring
    /// crosses the scale-out network and the single-node measured tables no longer apply.
    /// </summary>
    public static VllmCollectives ForDataParallelGroup(ReplicaSpec spec)
    {
        int span = spec.TensorParallel * spec.DataParallel;
        bool offNode = span > spec.Hardware.GpusPerNode && spec.Hardware.InterNode is not null;
        return new(spec.Hardware, RooflineExecutionTimeModel.TpLink(spec.Hardware, span), null,
            new Lazy<MeasuredCollectives?>(() => offNode ? null : MeasuredCollectives.For(spec.Hardware)));
    }

    public string Name => (_measured.Value is null ? "" : $"measured:{_hardware.Name} else ") + _nccl.Name + (_hardware.PeerToPeer ? " + vllm-custom-allreduce" : "");

    public double Seconds(CollectiveOp op, double bytes, int ranks, bool graphed = true)
    {
        if (ranks <= 1 || bytes <= 0) return 0;
        if (op == CollectiveOp.AllReduce && _custom.Applies(bytes, ranks))
        {
            // The eager table times the whole Python call in a loop; inside a forward pass the launch overlaps the GPU,
            // so eager calls cost the graphed kernel plus the copy into the shared buffer.
            if (_measured.Value?.Seconds(CommPath.CustomGraph, op, bytes, ranks) is { } measured)
                return measured + (graphed ? 0 : _custom.Seconds(bytes, ranks, false) - _custom.Seconds(bytes, ranks, true));
            return _custom.Seconds(bytes, ranks, graphed);
        }
        return _measured.Value?.Seconds(CommPath.Nccl, op, bytes, ranks) ?? _nccl.Seconds(op, bytes, ranks, graphed);
    }
}
