using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>
/// vLLM's MoE dispatch and combine under data + expert parallelism with its default <c>allgather_reducescatter</c>
/// backend (<c>AgRsAll2AllManager</c>): before the experts, one all-gather over the DP group of every rank's hidden
/// rows with their top-k weights (fp32) and expert ids (int32); after, one reduce-scatter of the expert output's
/// hidden rows. One row per token crosses each way, not one per token-expert pair.
/// </summary>
/// <remarks>
/// The collectives are the variable-size ones (<c>all_gatherv</c>/<c>reduce_scatterv</c> with
/// <c>dp_metadata.get_chunk_sizes_across_dp_rank()</c>), so each rank contributes its own forward's rows: the
/// group's token count as the lock-step forms it (every rank padded to the largest's graph size when all fit
/// a CUDA graph; otherwise each its own count, an idle rank's dummy forward one row). A rank prefilling 8,192 tokens
/// beside one decoding 10 moves 8,202 rows, not twice 8,192.
/// </remarks>
public static class MoeCollectives
{
    public static double Seconds(ICollectiveModel comm, ModelSpec m, int dataParallel, in BatchShape s, bool graphed)
    {
        if (dataParallel <= 1) return 0;
        double rows = Math.Max(s.GroupTokens, dataParallel);
        double hiddenRow = (double)m.HiddenSize * m.DTypeBytes;
        return comm.Seconds(CollectiveOp.AllGather, rows * (hiddenRow + m.ExpertsPerToken * 8.0), dataParallel, graphed)
            + comm.Seconds(CollectiveOp.ReduceScatter, rows * hiddenRow, dataParallel, graphed);
    }
}
