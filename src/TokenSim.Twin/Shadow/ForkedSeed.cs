using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Twin.Shadow;

/// <summary>One forecast seed as <see cref="ReplicaForecaster.Fork"/> leaves it: its number, its random stream (past
/// the draws the fork took), the fork, and the stratum of the traffic's lifetime it draws from (of
/// <see cref="Strata"/>; 1 stratum: a plain draw).</summary>
public readonly record struct ForkedSeed(ulong Seed, SimRandom Random, Simulator Sim, int Stratum = 0, int Strata = 1);
