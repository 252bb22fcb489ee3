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
