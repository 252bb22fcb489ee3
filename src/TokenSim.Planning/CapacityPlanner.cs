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
/// <para>
/// Two savings that cannot change the answer where that monotonicity holds, both off in an exhaustive plan (which
/// simulates every candidate whole). Under the cost objective (and <see cref="PlanProblem.Prune"/>) a candidate
/// costlier per hour than the cheapest meeting one found so far cannot be the answer, so it is not simulated (pruned;
/// one of equal cost still is, as the tie goes to the lower TTFT), and a group whose counts left are all costlier is
/// done. To find a cheap answer early, simulations wait in a queue cheapest first, and instead of bisecting from the
/// middle a group climbs cost levels (<see cref="GrowthPerLevel"/>), trying its dearest count under each, until a
/// count meets; then it bisects below it. And a simulation stops as soon as its candidate is certain to miss
/// (<see cref="SloVerdict"/>, <see cref="PlanProblem.StopEarly"/>): its verdict is the whole run's, its figures are
/// flagged as partial and kept off the frontier; when no candidate meets, each group's nearest such run is run whole
/// before the closest is chosen. Guards then run after every search, for the groups whose answer is not dearer than
/// the best, and are never pruned.
/// </para>
/// </summary>
public static class CapacityPlanner
{
    /// <summary>
    /// Ratio of one cost level to the last in a pruned search. It bounds the waste: a level's probes run cheapest
    /// first, so a whole (meeting) run dearer than the answer is at most this much dearer, while each level costs
    /// every group still climbing one probe, most of them misses that stop early.
    /// </summary>
    public const double GrowthPerLevel = 1.5;

    public static async Task<PlanResult> PlanAsync(PlanProblem problem, ISimulationExecutor executor, IProgress<PlanProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        problem.Validate();
        var wall = Stopwatch.StartNew();
        var space = problem.Candidates;
        var gate = new PriorityGate(executor.Parallelism);
        var results = new ConcurrentDictionary<Candidate, Task<CandidateResult?>>();
        var warnings = new ConcurrentDictionary<CandidateGroup, string>();
        var infeasible = new ConcurrentDictionary<CandidateGroup, long>();
        var sync = new object();
        int simulated = 0;
        CandidateResult? best = null;
        bool prune = problem.Prune && problem.Objective == PlanObjective.Cost && !problem.Exhaustive;
        bool stopEarly = problem.StopEarly && !problem.Exhaustive;
        // The cheapest meeting cost so far: anything dearer cannot be the answer. Only falls.
        double bound = double.PositiveInfinity;
        double Bound() => Volatile.Read(ref bound);

        async Task<CandidateResult?> Run(Candidate c, bool pruneable, bool whole)
        {
            double cost = space.CostPerHour(c);
            await gate.WaitAsync(cost, cancellation);
            CandidateResult r;
            try
            {
                // The bound may have fallen while this waited in the queue.
                if (pruneable && cost > Bound()) return null;
                r = await executor.EvaluateAsync(c, cost, stopEarly && !whole, cancellation);
            }
            finally { gate.Release(); }
            lock (sync)
            {
                simulated++;
                if (r.MeetsSlo)
                {
                    best = PlanResult.Choose(best is null ? [r] : [best, r], problem.Objective);
                    if (prune) Volatile.Write(ref bound, best!.CostPerHour);
                }
                // Reported under the lock: concurrent simulations must report in the order they were counted, or a
                // stream of progress reads 8 simulated before 7.
                progress?.Report(new PlanProgress(simulated, space.Count, r, best, wall.Elapsed.TotalSeconds));
            }
            return r;
        }

        // Null: pruned. A pruned candidate stays pruned (the bound only falls) unless the guard asks for it.
        async Task<CandidateResult?> Eval(Candidate c, bool pruneable = true)
        {
            var r = await results.GetOrAdd(c, x => Run(x, pruneable, whole: false));
            if (r is not null || pruneable) return r;
            var again = Run(c, pruneable: false, whole: false);
            results[c] = again;
            return await again;
        }

        bool Dear(Candidate c) => prune && space.CostPerHour(c) > Bound();

        // Cost levels a pruned search climbs, each GrowthPerLevel times the last, from the cheapest candidate to
        // the dearest: a group's next probe is its dearest count under the next level.
        var levels = new List<double>();
        if (prune)
        {
            double cheapestCost = space.Groups().Min(g => space.CostPerHour(g.With(space.MinReplicas)));
            double dearest = space.Groups().Max(g => space.CostPerHour(g.With(space.MaxReplicas)));
            for (double l = cheapestCost; ; l *= GrowthPerLevel)
            {
                levels.Add(l);
                if (l >= dearest) break;
            }
        }

        // The group's smallest count that meets (null when none does, or none under the bound).
        async Task<int?> Search(CandidateGroup g)
        {
            int lo = space.MinReplicas, hi = space.MaxReplicas;
            if (problem.Exhaustive)
            {
                if (!(await Eval(g.With(lo)))!.Simulated) { infeasible[g] = hi - lo + 1; return null; }
                await Task.WhenAll(Enumerable.Range(lo, hi - lo + 1).Select(n => Eval(g.With(n))));
                return null;
            }
            // The smallest count that meets, with hi + 1 standing for "none does". Unpruned, a bisection: the middle
            // first, so the largest count (the most replicas, the longest simulation) runs only when every smaller
            // one tried has missed. Pruned, counts dearer than the bound are out of the search, and until a count
            // meets the search climbs the cost levels, so that the simulations run (cheapest first, through the
            // queue) are misses, which stop early, until the cheapest answer is near; then it bisects below the meet.
            int miss = lo - 1, meet = hi + 1, level = 0;
            int TopUnder(double cost)
            {
                int n = hi;
                while (n >= lo && space.CostPerHour(g.With(n)) > cost) n--;
                return n;
            }
            while (meet - miss > 1)
            {
                int top = meet - 1;
                while (top > miss && Dear(g.With(top))) top--;
                if (top == miss) break;
                int n;
                if (!prune) n = miss + (meet - miss) / 2;
                else if (meet <= hi) n = top < meet - 1 ? top : miss + (meet - miss) / 2;
                else
                {
                    while (level < levels.Count && TopUnder(levels[level]) <= miss) level++;
                    n = level < levels.Count ? Math.Min(TopUnder(levels[level]), top) : top;
                }
                var r = await Eval(g.With(n));
                if (r is null) continue;
                if (!r.Simulated)
                {
                    // What fits on a GPU does not depend on the replica count: no count of this group can run.
                    infeasible[g] = hi - lo + 1;
                    return null;
                }
                if (r.MeetsSlo) meet = n;
                else miss = n;
            }
            return meet > hi ? null : meet;
        }

        // The guard above the group's answer; where it fails, the group at every count.
        async Task Guard(CandidateGroup g, int meet)
        {
            int lo = space.MinReplicas, hi = space.MaxReplicas;
            if (meet < hi && !(await Eval(g.With(meet + 1), pruneable: false))!.MeetsSlo)
            {
                warnings[g] = $"{g}: {meet} replicas meet the SLOs but {meet + 1} do not, so the replica search's monotonicity does not hold here; every count from {lo} to {hi} was simulated instead" +
                    (prune ? " (but those costlier than the cheapest meeting candidate)." : ".");
                await Task.WhenAll(Enumerable.Range(lo, hi - lo + 1).Select(n => Eval(g.With(n))));
            }
        }

        var groups = space.Groups().ToList();
        if (!prune) await Task.WhenAll(groups.Select(async g => { if (await Search(g) is { } meet) await Guard(g, meet); }));
        else
        {
            // Guards wait for every search: a group whose answer is dearer than another's is no contender, and its
            // guard (a whole run, as it meets) could not change the answer.
            var found = await Task.WhenAll(groups.Select(async g => (g, meet: await Search(g))));
            await Task.WhenAll(found.Where(f => f.meet is { } m && !Dear(f.g.With(m))).Select(f => Guard(f.g, f.meet!.Value)));
        }
        var order = groups.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i);
        List<CandidateResult> Collected() => [.. results.Values.Select(t => t.Result).OfType<CandidateResult>()
            .OrderBy(r => order[new CandidateGroup(r.Candidate.Hardware, r.Candidate.Tp, r.Candidate.Scheduler)]).ThenBy(r => r.Candidate.Replicas)];
        var all = Collected();
        var cheapest = PlanResult.Choose(all, problem.Objective);
        if (cheapest is null && all.Any(r => r.StoppedEarly))
        {
            // The closest miss is chosen on whole-run figures. Each group's most replicas simulated come nearest to
            // the SLOs (the monotonicity the search rests on): those of them that stopped early are run whole.
            var nearest = all.Where(r => r.Simulated).GroupBy(r => (r.Candidate.Hardware, r.Candidate.Tp, r.Candidate.Scheduler))
                .Select(x => x.MaxBy(r => r.Candidate.Replicas)!).Where(r => r.StoppedEarly).ToList();
            await Task.WhenAll(nearest.Select(r => results[r.Candidate] = Run(r.Candidate, pruneable: false, whole: true)));
            all = Collected();
        }
        // Under non-monotonicity a group simulated at every count may hold a cheaper count that meets: Cheapest sees all.
        var closest = cheapest is not null ? null
            : all.Where(r => r.Simulated && !r.StoppedEarly).OrderBy(r => r.Violation(problem.Slo)).ThenBy(r => r.CostPerHour).FirstOrDefault();
        return new PlanResult
        {
            Best = cheapest, Closest = closest, Frontier = PlanResult.ParetoFrontier(all), Simulated = all,
            Considered = space.Count, Infeasible = infeasible.Values.Sum(), Pruned = prune ? Unsettled(space, groups, infeasible, warnings, all) : 0,
            Warnings = groups.Where(warnings.ContainsKey).Select(g => warnings[g]).ToList(),
            Slo = problem.Slo, TrafficDescription = problem.Traffic.Description, TrafficRequests = problem.Traffic.Requests.Length,
            TrafficDurationSeconds = problem.Traffic.DurationSeconds, WallSeconds = wall.Elapsed.TotalSeconds, Exhaustive = problem.Exhaustive,
            Objective = problem.Objective,
        };
    }

    /// <summary>
    /// Candidates the search left unsettled: not simulated, and not implied by a simulated neighbour in their group
    /// under monotonicity (a miss at a larger count, a meet at a smaller one), or in a group found not monotone (which
    /// was to be simulated at every count) not simulated. Only the cost bound leaves a count so.
    /// </summary>
    private static long Unsettled(CandidateSpace space, List<CandidateGroup> groups, ConcurrentDictionary<CandidateGroup, long> infeasible,
        ConcurrentDictionary<CandidateGroup, string> warnings, List<CandidateResult> all)
    {
        long pruned = 0;
        foreach (var g in groups)
        {
            if (infeasible.ContainsKey(g)) continue;
            var mine = all.Where(r => r.Simulated && r.Candidate.Hardware == g.Hardware && r.Candidate.Tp == g.Tp && r.Candidate.Scheduler == g.Scheduler).ToList();
            if (warnings.ContainsKey(g))
            {
                pruned += space.MaxReplicas - space.MinReplicas + 1 - mine.Count;
                continue;
            }
            int missUpTo = mine.Where(r => !r.MeetsSlo).Select(r => r.Candidate.Replicas).DefaultIfEmpty(space.MinReplicas - 1).Max();
            int meetFrom = mine.Where(r => r.MeetsSlo).Select(r => r.Candidate.Replicas).DefaultIfEmpty(space.MaxReplicas + 1).Min();
            for (int n = space.MinReplicas; n <= space.MaxReplicas; n++)
                if (n > missUpTo && n < meetFrom && !mine.Any(r => r.Candidate.Replicas == n)) pruned++;
        }
        return pruned;
    }
}
