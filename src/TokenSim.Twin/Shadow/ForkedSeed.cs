using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Twin.Shadow;

/// <summary>One forecast seed as <see cref="ReplicaForecaster.Fork"/> leaves it: its number, its random stream (past
/// the draws the fork took) and the fork.</summary>
public readonly record struct ForkedSeed(ulong Seed, SimRandom Random, Simulator Sim);
