namespace TokenSim.Planning;

/// <summary>Sent after each simulation: how far the search is and the cheapest candidate meeting the SLOs so far.</summary>
public sealed record PlanProgress(int Simulated, long Considered, CandidateResult Last, CandidateResult? BestSoFar, double ElapsedSeconds);
