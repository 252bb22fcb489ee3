namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// vLLM V1's scheduler with its default FCFS policy (<c>vllm/v1/core/sched/scheduler.py</c>): the base algorithm
/// of <see cref="ChunkedPrefillReplicaScheduler"/> with the budget <c>max_num_batched_tokens</c>, waiting requests
/// in arrival order (preempted ones back at the front), and the newest running request as the victim.
/// </summary>
public sealed class VllmV1ReplicaScheduler : ChunkedPrefillReplicaScheduler
{
    public override string Name => "vllm-v1";
    internal override bool SteadyDecodeAsV1 => true;

    public override IReplicaScheduler Clone() => new VllmV1ReplicaScheduler();
}
