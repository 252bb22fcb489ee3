namespace TokenSim.Planning;

/// <summary>What a plan minimises among the candidates meeting the SLOs.</summary>
public enum PlanObjective
{
    /// <summary>Price per hour of the fleet (the default).</summary>
    Cost,
    /// <summary>Energy per output token on the plan's traffic (<see cref="TokenSim.Core.Energy.EnergyMeter"/>).</summary>
    Energy,
}
