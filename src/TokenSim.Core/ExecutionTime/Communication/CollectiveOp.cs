namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>The collectives a vLLM step makes: TP all-reduce, the MoE dispatch and combine of data/expert parallelism, and point-to-point hand-offs.</summary>
public enum CollectiveOp
{
    /// <summary>Each rank's buffer reduced across ranks (tensor parallelism, twice per layer).</summary>
    AllReduce,
    /// <summary>Every rank's rows gathered to every rank (vLLM's MoE dispatch under DP + EP).</summary>
    AllGather,
    /// <summary>The sum over ranks, each rank keeping its share (vLLM's MoE combine under DP + EP).</summary>
    ReduceScatter,
    /// <summary>One message from one rank to another (pipeline hand-off, KV transfer).</summary>
    SendRecv,
}
