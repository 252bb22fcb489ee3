namespace TokenSim.Core.Simulation;

/// <summary>A replica's part in serving.</summary>
public enum ReplicaRole : byte
{
    /// <summary>Prefill and decode on the same GPUs (co-located).</summary>
    Mixed,
    /// <summary>Prefill only: a request leaves, with its KV, once its first token is sampled.</summary>
    Prefill,
    /// <summary>Decode only: requests arrive with their prompt's KV already computed.</summary>
    Decode,
}
