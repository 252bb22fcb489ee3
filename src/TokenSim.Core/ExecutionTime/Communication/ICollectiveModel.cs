namespace TokenSim.Core.ExecutionTime.Communication;

/// <summary>The time of one collective call by message size, as a step composes it.</summary>
public interface ICollectiveModel
{
    /// <summary>Where the times come from, for run headers (e.g. <c>measured:h100-sxm</c>, <c>nccl-model:pcie5/shm</c>).</summary>
    string Name { get; }

    /// <summary>Seconds of one call.</summary>
    /// <param name="op">The collective.</param>
    /// <param name="bytes">
    /// As nccl-tests sizes it: the buffer each rank reduces (all-reduce), the gathered output (all-gather), the input
    /// (reduce-scatter), the message (send/recv).
    /// </param>
    /// <param name="ranks">GPUs taking part; one rank costs nothing.</param>
    /// <param name="graphed">Whether the call is replayed from a CUDA graph (vLLM's decode and small mixed steps) or launched eagerly.</param>
    double Seconds(CollectiveOp op, double bytes, int ranks, bool graphed = true);
}
