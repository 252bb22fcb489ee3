namespace TokenSim.Planning;

/// <summary>Where a plan's simulations run: in this process, or fanned out over a cluster's worker grains.</summary>
public interface ISimulationExecutor
{
    /// <summary>Simulations worth running at once (the cores that will run them).</summary>
    int Parallelism { get; }

    /// <param name="stopAtVerdict">Stop the simulation once the candidate is certain to miss (<see cref="CandidateEvaluator.Evaluate"/>).</param>
    Task<CandidateResult> EvaluateAsync(Candidate candidate, double costPerHour, bool stopAtVerdict, CancellationToken cancellation);
}

/// <summary>Runs each simulation on the thread pool of this process.</summary>
public sealed class LocalSimulationExecutor(PlanProblem problem, int? parallelism = null) : ISimulationExecutor
{
    public int Parallelism { get; } = Math.Max(1, parallelism ?? Environment.ProcessorCount);

    public Task<CandidateResult> EvaluateAsync(Candidate candidate, double costPerHour, bool stopAtVerdict, CancellationToken cancellation) =>
        Task.Run(() => CandidateEvaluator.Evaluate(problem.BaseOptions, candidate, costPerHour, problem.Traffic, problem.Slo, cancellation,
            stopAtVerdict: stopAtVerdict), cancellation);
}
