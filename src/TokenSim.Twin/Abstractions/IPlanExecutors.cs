using TokenSim.Planning;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// Where a capacity plan's simulations run. The server asks for one executor per plan and knows nothing of how the
/// cluster runs them; the Twin's hosting (<c>AddTokenSimPlanServices</c>) registers the plan workers' executor.
/// </summary>
public interface IPlanExecutors
{
    /// <summary>An executor for <paramref name="problem"/>, sized to the cluster as it is now.</summary>
    Task<ISimulationExecutor> CreateAsync(PlanProblem problem);
}
