using TokenSim.Core.Entities;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>One measured collective point: ranks, whether they span nodes, the size as nccl-tests counts it, and the time.</summary>
public sealed record CommPoint(int Ranks, bool CrossNode, double Bytes, double Seconds);

/// <summary>Which implementation a communication table measured.</summary>
public enum CommPath
{
    /// <summary>NCCL (nccl-tests, Vidur's torch.distributed calls, AIConfigurator's NCCL rows).</summary>
    Nccl,
    /// <summary>vLLM's custom all-reduce replayed from a CUDA graph.</summary>
    CustomGraph,
    /// <summary>vLLM's custom all-reduce launched eagerly.</summary>
    CustomEager,
}

/// <summary>
/// A measured communication table with what the models need to predict it: the GPU it was measured on (the unit
/// left out in validation), the links between the ranks, and whether they reach each other directly.
/// </summary>
public sealed record CommTable(string File, string Name, string Gpu, CommPath Path, CollectiveOp Op,
    LinkSpec Link, LinkSpec? InterNode, double ComputeCapability, bool PeerToPeer, HardwareSpec? Hardware, IReadOnlyList<CommPoint> Points)
{
    /// <summary>The link the call crosses.</summary>
    public LinkSpec LinkFor(CommPoint p) => p.CrossNode && InterNode is not null ? InterNode : Link;

    /// <summary>The models' time for <paramref name="p"/> under <paramref name="c"/>.</summary>
    public double Predict(CommPoint p, CommCalibration c)
    {
        if (Path == CommPath.Nccl) return new NcclCostModel(LinkFor(p), ComputeCapability, PeerToPeer, c).Seconds(Op, p.Bytes, p.Ranks);
        var hw = Hardware ?? throw new InvalidOperationException($"{File}: a custom all-reduce table needs its GPU in the catalog.");
        return new CustomAllReduceModel(hw with { PeerToPeer = true }, Link, c).Seconds(p.Bytes, p.Ranks, Path == CommPath.CustomGraph);
    }

    /// <summary>Mean absolute percentage error of the models on every point.</summary>
    public double MapePct(CommCalibration c) => Points.Average(p => Math.Abs(Predict(p, c) - p.Seconds) / p.Seconds) * 100;
}
