namespace TokenSim.Core.Scheduling.Replica;

/// <summary>
/// Sarathi-Serve (Agrawal et al., OSDI'24), chunked prefill with stall-free batching. Each step has a token budget
/// of one chunk (<c>--chunk-size</c>, default 512). Running decodes come first, so a prefill never stalls them.
/// Unfinished prefill chunks come next, and new prompts take what is left.
/// </summary>
public sealed class SarathiReplicaScheduler : ChunkedPrefillReplicaScheduler
{
    public override string Name => "sarathi";
    protected override bool DecodesFirst => true;
    /// <summary>Decodes first changes nothing when every running request is a decode: the same steps as V1's, in a smaller budget.</summary>
    internal override bool SteadyDecodeAsV1 => true;
    protected override int Budget(Simulation.ReplicaState replica) => Math.Min(replica.Spec.ChunkSize, replica.Spec.MaxNumBatchedTokens);
    public override IReplicaScheduler Clone() => new SarathiReplicaScheduler();
}
