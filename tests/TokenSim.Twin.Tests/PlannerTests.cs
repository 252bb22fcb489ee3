using TokenSim.Core.Simulation;
using TokenSim.Planning;

namespace TokenSim.Twin.Tests;

/// <summary>The capacity planner in-process: bisection against a brute force, the choice re-simulated, bad questions.</summary>
public sealed class PlannerTests
{
    private static Task<PlanResult> Plan(PlanProblem p) => CapacityPlanner.PlanAsync(p, new LocalSimulationExecutor(p));

    [Fact]
    public async Task Bisection_AgreesWithBruteForce_OnASmallGrid()
    {
        var brute = await Plan(PlanTestProblems.Small(exhaustive: true));
        // Unpruned, so that every group's search runs to its smallest meeting count (PlanPruningTests checks pruning).
        var bisect = await Plan(PlanTestProblems.Small() with { Prune = false });
        Assert.Equal(24, brute.Considered);
        Assert.Equal(24, brute.SimulatedCount);
        Assert.NotNull(brute.Best);
        Assert.Equal(brute.Best!.Candidate, bisect.Best!.Candidate);
        Assert.Equal(brute.Best.TtftAtPercentile, bisect.Best.TtftAtPercentile);
        Assert.True(bisect.SimulatedCount < brute.SimulatedCount, $"bisection simulated {bisect.SimulatedCount} of {brute.SimulatedCount}");
        Assert.Empty(bisect.Warnings);
        // Per group, the smallest count meeting the SLOs in the brute force is the one bisection found, and on this
        // grid meeting is monotone in the replica count (the assumption the bisection rests on).
        foreach (var group in brute.Simulated.GroupBy(r => (r.Candidate.Hardware, r.Candidate.Scheduler)))
        {
            var meets = group.OrderBy(r => r.Candidate.Replicas).Select(r => r.MeetsSlo).ToArray();
            Assert.True(meets.SkipWhile(m => !m).All(m => m), $"{group.Key}: {string.Join(",", meets)}");
            int? first = group.Where(r => r.MeetsSlo).Select(r => (int?)r.Candidate.Replicas).Min();
            int? found = bisect.Simulated.Where(r => (r.Candidate.Hardware, r.Candidate.Scheduler) == group.Key && r.MeetsSlo).Select(r => (int?)r.Candidate.Replicas).Min();
            Assert.Equal(first, found);
        }
        // The frontier of the brute force is no better than the bisection's at the chosen cost.
        Assert.Equal(brute.Best.CostPerHour, bisect.Best.CostPerHour);
    }

    [Fact]
    public async Task Choice_ReSimulatedAlone_MeetsTheSlos_AndOneReplicaFewerDoesNot()
    {
        var problem = PlanTestProblems.Small();
        var plan = await Plan(problem);
        var best = plan.Best!;
        Assert.True(best.Candidate.Replicas > problem.Candidates.MinReplicas, $"choose a grid whose answer has a count below it: {best.Candidate}");
        // Alone, the way `tokensim simulate --workload SPEC --seed N` builds it: not through the planner's evaluator.
        (double Ttft, double Tpot) Alone(int replicas)
        {
            var s = new SimulateSettings();
            foreach (var (k, v) in PlanTestProblems.BaseOptions) s.Set(k, v, "test");
            s.Hardware = best.Candidate.Hardware; s.Tp = best.Candidate.Tp; s.Scheduler = best.Candidate.Scheduler; s.Replicas = replicas;
            s.Workload = PlanTestProblems.Workload;
            var (sim, _, _) = s.Build();
            sim.Run();
            Assert.Equal(600, sim.Metrics.Completed);
            return (sim.Metrics.Ttft.Quantile(0.9), sim.Metrics.Tpot.Quantile(0.9));
        }
        var chosen = Alone(best.Candidate.Replicas);
        Assert.Equal(best.TtftAtPercentile, chosen.Ttft);
        Assert.True(chosen.Ttft <= 0.25 && chosen.Tpot <= 0.03, $"chosen: p90 TTFT {chosen.Ttft}, TPOT {chosen.Tpot}");
        var fewer = Alone(best.Candidate.Replicas - 1);
        Assert.True(fewer.Ttft > 0.25 || fewer.Tpot > 0.03, $"one fewer: p90 TTFT {fewer.Ttft}, TPOT {fewer.Tpot}");
    }

    [Fact]
    public async Task ImpossibleSlos_NoCandidate_AndTheClosestOneNamed()
    {
        // Unpruned: the bisection (with no answer nothing is pruned, but the pruned search climbs cost levels instead).
        var plan = await Plan(PlanTestProblems.Small(new Slo { Percentile = 0.99, TtftSeconds = 0.001, TpotSeconds = 0.03 }) with { Prune = false });
        Assert.Null(plan.Best);
        var closest = Assert.IsType<CandidateResult>(plan.Closest);
        // Nearest: the smallest ratio of p99 TTFT to its limit among the whole runs (a stopped run's percentile is of
        // the requests finished by then). Each group's search missed at 3, 5 and 6 replicas (bisection from the
        // middle, up to the largest count) and stopped there.
        Assert.All(plan.Simulated.Where(r => !r.StoppedEarly), r => Assert.True(closest.TtftAtPercentile <= r.TtftAtPercentile, $"{r.Candidate}: {r.TtftAtPercentile}"));
        Assert.Equal(12, plan.SimulatedCount);
        Assert.Equal([3, 5, 6], plan.Simulated.Select(r => r.Candidate.Replicas).Distinct().Order());
        Assert.Equal(6, closest.Candidate.Replicas);
    }

    [Fact]
    public async Task EmptyOrBadCandidates_AreRefused_NamingTheField()
    {
        var p = PlanTestProblems.Small();
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => Plan(p with { Candidates = p.Candidates with { Hardware = [] } }));
        Assert.Equal("candidates.hardware is empty: list at least one GPU.", empty.Message);
        var price = await Assert.ThrowsAsync<ArgumentException>(() => Plan(p with { Candidates = p.Candidates with { CostPerGpuHour = new Dictionary<string, double> { ["l40s"] = 1 } } }));
        Assert.Equal("candidates.cost_per_gpu_hour has no price for 'a100-80g'.", price.Message);
        var range = await Assert.ThrowsAsync<ArgumentException>(() => Plan(p with { Candidates = p.Candidates with { MinReplicas = 4, MaxReplicas = 2 } }));
        Assert.StartsWith("candidates.max_replicas must be from min_replicas (4)", range.Message);
        var slo = await Assert.ThrowsAsync<ArgumentException>(() => Plan(p with { Slo = new Slo() }));
        Assert.StartsWith("slo.ttft_s and slo.tpot_s are both missing", slo.Message);
        var baseOpt = await Assert.ThrowsAsync<ArgumentException>(() => Plan(p with { BaseOptions = [new("replicas", "3")] }));
        Assert.StartsWith("base.replicas:", baseOpt.Message);
    }

    [Fact]
    public async Task NonMonotoneGroup_IsCaughtAboveTheAnswer_AndSearchedAtEveryCount()
    {
        // 4 replicas meet, 5 do not, 6 and more do: bisection lands on 4, the guard simulates 5 and finds the step.
        var p = PlanTestProblems.Small() with
        {
            Candidates = new CandidateSpace { Hardware = ["a100-80g"], MaxReplicas = 8, CostPerGpuHour = new Dictionary<string, double> { ["a100-80g"] = 1 } },
        };
        var fake = new ScriptedExecutor(r => r == 4 || r >= 6);
        var plan = await CapacityPlanner.PlanAsync(p with { Prune = false }, fake);
        Assert.Equal(4, plan.Best!.Candidate.Replicas);
        Assert.Single(plan.Warnings);
        Assert.Contains("4 replicas meet the SLOs but 5 do not", plan.Warnings[0]);
        Assert.Equal(8, plan.SimulatedCount);
        Assert.Equal(8, fake.Calls);
        // Pruned, the search climbs cost levels 1, 1.5, 2.25, 3.4, 5.1 (counts 1, 2, 3, 5): 5 meets, 4 below it misses, and
        // the guard at 6 (dearer than the answer, but never pruned) misses; the sweep leaves out 7 and 8, dearer than 5.
        var prunedFake = new ScriptedExecutor(r => r == 5 || r >= 7);
        var pruned = await CapacityPlanner.PlanAsync(p, prunedFake);
        Assert.Equal(5, pruned.Best!.Candidate.Replicas);
        Assert.Single(pruned.Warnings);
        Assert.Contains("5 replicas meet the SLOs but 6 do not", pruned.Warnings[0]);
        Assert.Equal(6, pruned.SimulatedCount);
        Assert.Equal(6, prunedFake.Calls);
        Assert.Equal(2, pruned.Pruned);
        Assert.Equal(0, pruned.DecidedWithoutSimulation);
    }

    [Fact]
    public async Task Cancellation_StopsTheSearch()
    {
        using var cts = new CancellationTokenSource();
        var fake = new ScriptedExecutor(r => r >= 3, onCall: n => { if (n == 2) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CapacityPlanner.PlanAsync(PlanTestProblems.Small(), fake, null, cts.Token));
        await Task.Delay(100);
        Assert.True(fake.Calls <= 2 + 1, $"{fake.Calls} simulations started after cancellation");
    }

    /// <summary>Answers "meets" from a rule on the replica count, without simulating; counts the calls.</summary>
    private sealed class ScriptedExecutor(Func<int, bool> meets, Action<int>? onCall = null) : ISimulationExecutor
    {
        private int _calls;
        public int Calls => _calls;
        public int Parallelism => 1;

        public Task<CandidateResult> EvaluateAsync(Candidate candidate, double costPerHour, bool stopAtVerdict, CancellationToken cancellation)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Interlocked.Increment(ref _calls);
            onCall?.Invoke(n);
            bool ok = meets(candidate.Replicas);
            return Task.FromResult(new CandidateResult
            {
                Candidate = candidate, CostPerHour = costPerHour, MeetsSlo = ok, TtftAtPercentile = ok ? 0.1 : 1, TpotAtPercentile = 0.01,
                Attainment = ok ? 1 : 0.5, Requests = 600,
            });
        }
    }
}
