namespace TokenSim.Core.Simulation;

/// <summary>What a workload says about one request before it enters the simulator.</summary>
/// <param name="ExternalCachedTokens">Prompt tokens a real engine's prefix cache holds for this request, as a mirror of
/// it reports (the twin's KV events): a prefix-caching replica then hits exactly that many at first admission,
/// whatever its own simulated cache holds. Null: the simulated cache decides.</param>
public readonly record struct RequestSpec(
    double ArrivalTime,
    int PromptTokens,
    int OutputTokens,
    int Priority = 0,
    int[]? PrefixHashes = null,
    int[]? TokenIds = null,
    int? ExternalCachedTokens = null);
