using TokenSim.Planning;

namespace TokenSim.Twin.Planning;

/// <summary>
/// Fans a plan's simulations out over the cluster: the k-th simulation goes to lane k mod silos, whose silo runs it on
/// a stateless worker. Parallelism is silos × this machine's cores (each silo runs a worker per core).
/// </summary>
public sealed class GrainSimulationExecutor(IGrainFactory grains, PlanProblem problem, int silos) : ISimulationExecutor
{
    private readonly string[] _names = [.. problem.BaseOptions.Select(o => o.Key)];
    private readonly string[] _values = [.. problem.BaseOptions.Select(o => o.Value)];
    private long _next = -1;

    public int Parallelism { get; } = Math.Max(1, silos) * Environment.ProcessorCount;

    public static async Task<GrainSimulationExecutor> CreateAsync(IGrainFactory grains, PlanProblem problem)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return new GrainSimulationExecutor(grains, problem, hosts.Count);
    }

    public Task<CandidateResult> EvaluateAsync(Candidate candidate, double costPerHour, bool stopAtVerdict, CancellationToken cancellation)
    {
        long lane = Interlocked.Increment(ref _next) % Math.Max(1, silos);
        var job = new PlanJob(_names, _values, candidate, costPerHour, problem.Traffic, problem.Slo, stopAtVerdict);
        return grains.GetGrain<IPlanLaneGrain>(lane).SimulateAsync(job, cancellation);
    }
}
