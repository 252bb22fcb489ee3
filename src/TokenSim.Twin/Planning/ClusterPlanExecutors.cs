using TokenSim.Planning;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Planning;

/// <summary>The cluster's plan workers as <see cref="IPlanExecutors"/>: one <see cref="GrainSimulationExecutor"/> per plan.</summary>
internal sealed class ClusterPlanExecutors(IGrainFactory grains) : IPlanExecutors
{
    public async Task<ISimulationExecutor> CreateAsync(PlanProblem problem) => await GrainSimulationExecutor.CreateAsync(grains, problem);
}
