namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Orca (Yu et al., OSDI'22): iteration-level scheduling. Requests join and leave the batch at every step, and a
/// step mixes decodes with prefills. Prompts are not chunked: a prompt is admitted only when all of it fits the
/// step's remaining budget, which is at least <c>max_model_len</c> so that any prompt can run.
/// </summary>
public sealed class OrcaReplicaScheduler : ChunkedPrefillReplicaScheduler
{
    public override string Name => "orca";
    protected override bool ChunkedPrefill => false;
    protected override int Budget(Simulation.ReplicaState replica) => Math.Max(replica.Spec.MaxNumBatchedTokens, replica.Spec.MaxModelLen);
    public override IReplicaScheduler Clone() => new OrcaReplicaScheduler();
}
