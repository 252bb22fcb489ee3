namespace TokenSim.Core.Simulation;

/// <summary>What a workload says about one request before it enters the simulator.</summary>
public readonly record struct RequestSpec(
    double ArrivalTime,
    int PromptTokens,
    int OutputTokens,
    int Priority = 0,
    int[]? PrefixHashes = null,
    int[]? TokenIds = null);
