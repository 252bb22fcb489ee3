namespace TokenSim.Core.Scheduling.Global;

/// <summary>What a router is built from: how many replicas it serves and the simulation's seed.</summary>
public readonly record struct RouterContext(int Replicas, ulong Seed);
