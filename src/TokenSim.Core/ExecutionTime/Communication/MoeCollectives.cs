using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// vLLM's MoE dispatch and combine under data + expert parallelism with its default <c>allgather_reducescatter</c>
/// backend (<c>AgRsAll2AllManager</c>): before the experts, one all-gather over the DP group of every rank's hidden
/// rows with their top-k weights (fp32) and expert ids (int32); after, one reduce-scatter of the expert output's
/// hidden rows. One row per token crosses each way, not one per token-expert pair. Ranks are padded to the largest
/// rank's count (equal shares, as the ring collective needs them).
/// </summary>
public static class MoeCollectives
{
    public static double Seconds(ICollectiveModel comm, ModelSpec m, int dataParallel, in BatchShape s, bool graphed)
    {
        if (dataParallel <= 1) return 0;
        double rows = (double)dataParallel * Math.Max(s.GroupMaxTokens, 1);
        double hiddenRow = (double)m.HiddenSize * m.DTypeBytes;
        return comm.Seconds(CollectiveOp.AllGather, rows * (hiddenRow + m.ExpertsPerToken * 8.0), dataParallel, graphed)
            + comm.Seconds(CollectiveOp.ReduceScatter, rows * hiddenRow, dataParallel, graphed);
    }
}
