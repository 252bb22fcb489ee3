using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

/// <summary>
/// Runs one candidate's simulation. A stateless worker: each silo keeps a pool of activations (one per core by
/// default) and a call runs on the caller's silo, so a silo's cores share its callers' simulations.
/// </summary>
public interface IPlanWorkerGrain : IGrainWithIntegerKey
{
    Task<CandidateResult> SimulateAsync(PlanJob job, CancellationToken cancellation);
}

/// <summary>
/// A lane to one silo (key i goes to the i-th silo of the cluster, <see cref="SiloSpreadPlacementAttribute"/>): it
/// hands each job to that silo's stateless workers, so a plan's simulations spread over every silo.
/// </summary>
public interface IPlanLaneGrain : IGrainWithIntegerKey
{
    Task<CandidateResult> SimulateAsync(PlanJob job, CancellationToken cancellation);
}
