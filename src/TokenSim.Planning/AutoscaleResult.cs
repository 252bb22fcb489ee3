using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Planning;

/// <summary>One autoscaling policy simulated over the plan's traffic: what it paid and whether it met the SLOs.</summary>
public sealed record AutoscaleResult(
    AutoscalePolicy Policy, double GpuHours, double Cost, bool MeetsSlo, double TtftAtPercentile, double TpotAtPercentile, double Attainment,
    long Rejected, IReadOnlyList<ReplicaCountPoint> Replicas, double EndSeconds);
