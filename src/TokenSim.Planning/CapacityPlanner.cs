using System.Collections.Concurrent;
using System.Diagnostics;

namespace TokenSim.Planning;

/// <summary>
/// Finds the cheapest candidate meeting the SLOs. Per hardware × TP × scheduler it bisects the replica count instead of
/// simulating every count, relying on this monotonicity: with the same traffic, adding a replica never makes a
/// configuration miss SLOs it met (each replica gets fewer requests, so queues and batches are no longer). The guard:
/// the bisection ends with the smallest count that meets next to one that was simulated and missed, and the count
/// above it is simulated too; if that one misses, monotonicity failed for this group, which is reported as a warning
/// and the group is simulated at every count instead. A dip further from the answer is not caught (an exhaustive
/// plan checks a whole grid). Groups are searched concurrently, each search's simulations
/// in turn, and a simulation already run is never repeated. With <see cref="PlanObjective.Energy"/> the least energy per
/// output token among those meeting is chosen instead; the bisection still finds each group's smallest meeting count,
/// which is also its least-energy one as long as an added replica's static power outweighs what smaller batches save
/// (an exhaustive plan checks that).
/// </summary>
public static class CapacityPlanner
{
    public static async Task<PlanResult> PlanAsync(PlanProblem problem, ISimulationExecutor executor, IProgress<PlanProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        problem.Validate();
        var wall = Stopwatch.StartNew();
        var space = problem.Candidates;
        using var gate = new SemaphoreSlim(executor.Parallelism);
        var results = new ConcurrentDictionary<Candidate, Task<CandidateResult>>();
        var warnings = new ConcurrentDictionary<CandidateGroup, string>();
        var infeasible = new ConcurrentDictionary<CandidateGroup, long>();
        var sync = new object();
        int simulated = 0;
        CandidateResult? best = null;

        async Task<CandidateResult> Run(Candidate c)
        {
            await gate.WaitAsync(cancellation);
            CandidateResult r;
            try { r = await executor.EvaluateAsync(c, space.CostPerHour(c), cancellation); }
            finally { gate.Release(); }
            lock (sync)
            {
                simulated++;
                if (r.MeetsSlo) best = PlanResult.Choose(best is null ? [r] : [best, r], problem.Objective);
                // Reported under the lock: concurrent simulations must report in the order they were counted, or a
                // stream of progress reads 8 simulated before 7.
                progress?.Report(new PlanProgress(simulated, space.Count, r, best, wall.Elapsed.TotalSeconds));
            }
            return r;
        }

        Task<CandidateResult> Eval(Candidate c) => results.GetOrAdd(c, Run);

        async Task Search(CandidateGroup g)
        {
            int lo = space.MinReplicas, hi = space.MaxReplicas;
            if (problem.Exhaustive)
            {
                if (!(await Eval(g.With(lo))).Simulated) { infeasible[g] = hi - lo + 1; return; }
                await Task.WhenAll(Enumerable.Range(lo, hi - lo + 1).Select(n => Eval(g.With(n))));
                return;
            }
            // The smallest count that meets, with hi + 1 standing for "none does": the middle first, so the largest
            // count (the most replicas, the longest simulation) runs only when every smaller one tried has missed.
            int miss = lo - 1, meet = hi + 1;
            while (meet - miss > 1)
            {
                int mid = miss + (meet - miss) / 2;
                var r = await Eval(g.With(mid));
                if (!r.Simulated)
                {
                    // What fits on a GPU does not depend on the replica count: no count of this group can run.
                    infeasible[g] = hi - lo + 1;
                    return;
                }
                if (r.MeetsSlo) meet = mid;
                else miss = mid;
            }
            if (meet > hi) return;
            if (meet < hi && !(await Eval(g.With(meet + 1))).MeetsSlo)
            {
                warnings[g] = $"{g}: {meet} replicas meet the SLOs but {meet + 1} do not, so the replica search's monotonicity does not hold here; every count from {lo} to {hi} was simulated instead.";
                await Task.WhenAll(Enumerable.Range(lo, hi - lo + 1).Select(n => Eval(g.With(n))));
            }
        }

        var groups = space.Groups().ToList();
        await Task.WhenAll(groups.Select(Search));
        var order = groups.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i);
        var all = results.Values.Select(t => t.Result)
            .OrderBy(r => order[new CandidateGroup(r.Candidate.Hardware, r.Candidate.Tp, r.Candidate.Scheduler)]).ThenBy(r => r.Candidate.Replicas).ToList();
        var cheapest = PlanResult.Choose(all, problem.Objective);
        // Under non-monotonicity a group simulated at every count may hold a cheaper count that meets: Cheapest sees all.
        var closest = cheapest is not null ? null
            : all.Where(r => r.Simulated).OrderBy(r => r.Violation(problem.Slo)).ThenBy(r => r.CostPerHour).FirstOrDefault();
        return new PlanResult
        {
            Best = cheapest, Closest = closest, Frontier = PlanResult.ParetoFrontier(all), Simulated = all,
            Considered = space.Count, Infeasible = infeasible.Values.Sum(),
            Warnings = groups.Where(warnings.ContainsKey).Select(g => warnings[g]).ToList(),
            Slo = problem.Slo, TrafficDescription = problem.Traffic.Description, TrafficRequests = problem.Traffic.Requests.Length,
            TrafficDurationSeconds = problem.Traffic.DurationSeconds, WallSeconds = wall.Elapsed.TotalSeconds, Exhaustive = problem.Exhaustive,
            Objective = problem.Objective,
        };
    }
}
