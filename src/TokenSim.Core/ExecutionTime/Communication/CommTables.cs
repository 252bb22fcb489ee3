using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>Turns the communication tables of any profile format into <see cref="CommTable"/>s.</summary>
public static class CommTables
{
    /// <summary>The communication tables of <paramref name="profile"/> (none for compute profiles).</summary>
    public static IEnumerable<CommTable> From(IOperatorProfile profile)
    {
        switch (profile)
        {
            case NcclTestsProfile n:
                foreach (var t in n.Tables)
                {
                    var op = OpOf(t.Name.Replace("_perf", "", StringComparison.Ordinal));
                    if (op is null) continue;
                    yield return new CommTable(t.File, t.Name, System.IO.Path.GetFileName(n.Source.TrimEnd('/')), CommPath.Nccl, op.Value, n.Link, null, n.ComputeCapability, n.PeerToPeer, null,
                        t.Interpolator.Points.Select(p => new CommPoint(n.Ranks, false, p.Key[0], p.Value)).ToArray());
                }
                break;
            case VidurProfile v when v.Kind is "all_reduce" or "send_recv":
            {
                var hw = ProfileReader.InferHardware(v.Source, out var named);
                if (hw is null) yield break;
                var folder = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(v.Source))) ?? "";
                // Vidur's A40 pairs are joined by an NVLink bridge (56.25 GB/s per direction), not the catalog's PCIe.
                var link = hw.Name == "a40" && folder.Contains("nvlink", StringComparison.Ordinal) ? new LinkSpec("nvlink3_bridge", 5.625e10, 1e-5) : hw.IntraNodeLink;
                var t = v.Tables[0];
                yield return new CommTable(t.File, t.Name, hw.Name, CommPath.Nccl, v.Kind == "all_reduce" ? CollectiveOp.AllReduce : CollectiveOp.SendRecv,
                    link, hw.InterNode, hw.ComputeCapability, true, hw,
                    // (workers, devices per node, fp16 elements)
                    t.Interpolator.Points.Select(p => new CommPoint((int)p.Key[0], p.Key[1] < p.Key[0], 2 * p.Key[2], p.Value)).ToArray());
                break;
            }
            case AIConfiguratorProfile a when a.Kind is "nccl" or "custom_allreduce":
            {
                var hw = ProfileReader.InferHardware(a.Source, out string? _);
                if (hw is null) yield break;
                foreach (var t in a.Tables)
                {
                    var group = t.Name[(t.Name.IndexOf(':') + 1)..].Split('/');
                    var op = OpOf(group[0]);
                    if (op is null) continue;
                    var path = a.Kind == "nccl" ? CommPath.Nccl : group[1].Contains("eager", StringComparison.OrdinalIgnoreCase) ? CommPath.CustomEager : CommPath.CustomGraph;
                    double bytes = DTypes.Bytes(group[^1]);
                    yield return new CommTable(t.File, t.Name, hw.Name, path, op.Value, hw.IntraNodeLink, hw.InterNode, hw.ComputeCapability, true, hw,
                        t.Interpolator.Points.Select(p => new CommPoint((int)p.Key[0], false, p.Key[1] * bytes, p.Value)).ToArray());
                }
                break;
            }
        }
    }

    private static CollectiveOp? OpOf(string name) => name switch
    {
        "all_reduce" => CollectiveOp.AllReduce,
        "all_gather" => CollectiveOp.AllGather,
        "reduce_scatter" => CollectiveOp.ReduceScatter,
        "send_recv" or "sendrecv" => CollectiveOp.SendRecv,
        _ => null,
    };
}
