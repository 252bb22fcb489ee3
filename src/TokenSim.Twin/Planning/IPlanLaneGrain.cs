using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

/// <summary>
/// A lane to one silo (key i goes to the i-th silo of the cluster, <see cref="SiloSpreadPlacementAttribute"/>): it
/// hands each job to that silo's stateless workers, so a plan's simulations spread over every silo.
/// </summary>
public interface IPlanLaneGrain : IGrainWithIntegerKey
{
    Task<CandidateResult> SimulateAsync(PlanJob job, CancellationToken cancellation);
}
