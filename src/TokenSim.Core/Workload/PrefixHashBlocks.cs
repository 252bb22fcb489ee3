namespace TokenSim.Core.Workload;

/// <summary>The block size of the prefix hashes traces carry (<see cref="Simulation.RequestSpec.PrefixHashes"/>).</summary>
public static class PrefixHashBlocks
{
    /// <summary>
    /// Tokens per hash id: Mooncake's traces hash prompts in 512-token blocks, so every reader of those ids (the
    /// prefix-affinity router, the prefix cache) must cut prompts at the same size for the ids to line up.
    /// </summary>
    public const int Tokens = 512;
}
