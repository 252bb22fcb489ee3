namespace TokenSim.Planning;

/// <summary>
/// A plan's answer. <see cref="Best"/> is the cheapest simulated candidate meeting the SLOs (null when none does;
/// then <see cref="Closest"/> is the candidate nearest to meeting them). <see cref="Frontier"/> is the cost–latency
/// Pareto frontier (cost per hour against TTFT at the SLO percentile) over the simulated candidates.
/// <see cref="Considered"/> counts configurations in the candidate set; <see cref="SimulatedCount"/> those simulated;
/// <see cref="Infeasible"/> those that cannot run (the model does not fit); <see cref="Pruned"/> those left unsimulated
/// because they cost more per hour than the answer; the rest were decided by the search.
/// </summary>
public sealed record PlanResult
{
    public required CandidateResult? Best { get; init; }
    public required CandidateResult? Closest { get; init; }
    public required IReadOnlyList<CandidateResult> Frontier { get; init; }
    public required IReadOnlyList<CandidateResult> Simulated { get; init; }
    public required long Considered { get; init; }
    public required long Infeasible { get; init; }
    /// <summary>Candidates neither simulated nor settled by the bisection: dearer than the cheapest meeting one, so never the answer.</summary>
    public long Pruned { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public required Slo Slo { get; init; }
    public required string TrafficDescription { get; init; }
    public required long TrafficRequests { get; init; }
    public required double TrafficDurationSeconds { get; init; }
    public required double WallSeconds { get; init; }
    public required bool Exhaustive { get; init; }
    public PlanObjective Objective { get; init; }

    public int SimulatedCount => Simulated.Count(r => r.Simulated);
    /// <summary>Simulations stopped once their candidate was certain to miss: their figures are partial.</summary>
    public int StoppedEarlyCount => Simulated.Count(r => r.StoppedEarly);
    /// <summary>Candidates the search settled from its simulations' neighbours (monotonicity), without simulating them.</summary>
    public long DecidedWithoutSimulation => Considered - SimulatedCount - Infeasible - Pruned;

    /// <summary>
    /// Pareto frontier: sorted by cost, each point with a lower TTFT percentile than every cheaper one; over whole runs
    /// only (a stopped run's percentile is not the traffic's).
    /// </summary>
    public static IReadOnlyList<CandidateResult> ParetoFrontier(IEnumerable<CandidateResult> results)
    {
        var frontier = new List<CandidateResult>();
        double bestTtft = double.PositiveInfinity;
        foreach (var r in results.Where(r => r.Simulated && r.Rejected == 0 && !r.StoppedEarly)
                     .OrderBy(r => r.CostPerHour).ThenBy(r => r.TtftAtPercentile).ThenBy(r => r.Candidate.ToString(), StringComparer.Ordinal))
        {
            if (r.TtftAtPercentile >= bestTtft) continue;
            frontier.Add(r);
            bestTtft = r.TtftAtPercentile;
        }
        return frontier;
    }

    /// <summary>
    /// The meeting candidate with the least of <paramref name="objective"/>: the cheapest, or the least energy per output
    /// token (a candidate not metered counts as unbounded); ties by cost, TTFT percentile, then name, so the answer never
    /// depends on timing.
    /// </summary>
    public static CandidateResult? Choose(IEnumerable<CandidateResult> results, PlanObjective objective) => objective == PlanObjective.Cost
        ? Cheapest(results)
        : results.Where(r => r.MeetsSlo).OrderBy(r => r.JoulesPerOutputToken ?? double.PositiveInfinity).ThenBy(r => r.CostPerHour)
            .ThenBy(r => r.TtftAtPercentile).ThenBy(r => r.Candidate.ToString(), StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The cheapest meeting candidate; ties by TTFT percentile, then name, so the answer never depends on timing.</summary>
    public static CandidateResult? Cheapest(IEnumerable<CandidateResult> results) =>
        results.Where(r => r.MeetsSlo).OrderBy(r => r.CostPerHour).ThenBy(r => r.TtftAtPercentile).ThenBy(r => r.Candidate.ToString(), StringComparer.Ordinal).FirstOrDefault();
}
