using Orleans.Concurrency;
using Orleans.Runtime;
using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

[StatelessWorker]
public sealed class PlanWorkerGrain(PlanMetrics metrics, ILocalSiloDetails silo) : Grain, IPlanWorkerGrain
{
    public Task<CandidateResult> SimulateAsync(PlanJob job, CancellationToken cancellation)
    {
        string worker = silo.SiloAddress.Endpoint.ToString();
        // Off the grain's scheduler: a simulation is seconds of CPU, and the silo's turn-based threads must keep serving.
        return Task.Run(() =>
        {
            using var running = metrics.Start(worker);
            var result = CandidateEvaluator.Evaluate(job.BaseOptions, job.Candidate, job.CostPerHour, job.Traffic, job.Slo, cancellation, worker, job.StopAtVerdict);
            running.Completed(result.WallSeconds);
            return result;
        }, cancellation);
    }
}

[Reentrant, SiloSpreadPlacement]
public sealed class PlanLaneGrain : Grain, IPlanLaneGrain
{
    public Task<CandidateResult> SimulateAsync(PlanJob job, CancellationToken cancellation) =>
        GrainFactory.GetGrain<IPlanWorkerGrain>(0).SimulateAsync(job, cancellation);
}
