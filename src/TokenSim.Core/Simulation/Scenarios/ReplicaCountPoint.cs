namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>The fleet at one moment: replicas serving, and replicas paid for (serving, starting and draining).</summary>
public readonly record struct ReplicaCountPoint(double Time, int Serving, int Provisioned);
