using TokenSim.Core.Metrics;
using TokenSim.Planning;
using TokenSim.Planning.Json;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The planner's two savings against plans without them: pruning candidates dearer than the answer, and stopping a
/// simulation once its candidate is certain to miss. Neither may change the answer or a candidate's verdict, and a
/// stopped run's figures say they are partial.
/// </summary>
public sealed class PlanPruningTests
{
    private static Task<PlanResult> Plan(PlanProblem p) => CapacityPlanner.PlanAsync(p, new LocalSimulationExecutor(p));

    /// <summary>Plans whose answers differ in group, SLO form and objective.</summary>
    public static TheoryData<string> Problems => ["default", "tight-ttft", "tpot-only", "attainment", "a100-cheap", "energy"];

    private static PlanProblem Problem(string name)
    {
        var p = PlanTestProblems.Small();
        return name switch
        {
            "default" => p,
            // Six L40S meet it with either scheduler, at the same cost: the tie goes to the lower TTFT.
            "tight-ttft" => p with { Slo = new Slo { Percentile = 0.99, TtftSeconds = 0.41 } },
            // Only A100s meet it; four of them with either scheduler, again a tie at equal cost.
            "tpot-only" => p with { Slo = new Slo { Percentile = 0.9, TpotSeconds = 0.02 } },
            "attainment" => p with { Slo = new Slo { TtftSeconds = 0.25, TpotSeconds = 0.03, Attainment = 0.85 } },
            // The A100 priced under the L40S: the cheapest answer moves to the other hardware.
            "a100-cheap" => p with { Candidates = p.Candidates with { CostPerGpuHour = new Dictionary<string, double> { ["a100-80g"] = 0.9, ["l40s"] = 1.0 } } },
            "energy" => p with { Objective = PlanObjective.Energy },
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public async Task PrunedAndStopped_GiveTheSameBest_AsTheUnprunedSearch_AndTheExhaustiveOne(string name)
    {
        var problem = Problem(name);
        var fast = await Plan(problem);
        var full = await Plan(problem with { Prune = false, StopEarly = false });
        var exhaustive = await Plan(problem with { Exhaustive = true });
        Assert.NotNull(exhaustive.Best);
        Assert.Equal(exhaustive.Best!.Candidate, fast.Best?.Candidate);
        Assert.Equal(exhaustive.Best!.Candidate, full.Best?.Candidate);
        // The answer is a whole run: the same figures as the exhaustive plan's.
        Assert.False(fast.Best!.StoppedEarly);
        Assert.Equal(exhaustive.Best.TtftAtPercentile, fast.Best.TtftAtPercentile);
        Assert.Equal(exhaustive.Best.Attainment, fast.Best.Attainment);
        // Every configuration is accounted for once.
        Assert.Equal(fast.Considered, fast.SimulatedCount + fast.Infeasible + fast.Pruned + fast.DecidedWithoutSimulation);
        Assert.True(fast.DecidedWithoutSimulation >= 0);
        // An exhaustive plan simulates everything whole; energy is not a cost bound, so nothing is pruned there.
        Assert.Equal(0, exhaustive.Pruned);
        Assert.Equal(0, exhaustive.StoppedEarlyCount);
        Assert.Equal(24, exhaustive.SimulatedCount);
        if (problem.Objective == PlanObjective.Energy) Assert.Equal(0, fast.Pruned);
    }

    [Fact]
    public async Task DefaultPlan_PrunesAndStops_AndRunsFewerWholeSimulationsThanWithout()
    {
        var problem = Problem("default");
        var fast = await Plan(problem);
        var full = await Plan(problem with { Prune = false, StopEarly = false });
        Assert.True(fast.Pruned > 0, "nothing pruned");
        Assert.True(fast.StoppedEarlyCount > 0, "no simulation stopped early");
        // The climb runs more simulations than the bisection, but most of them stop early: fewer run whole.
        int whole = fast.SimulatedCount - fast.StoppedEarlyCount;
        Assert.True(whole < full.SimulatedCount, $"{whole} whole runs with pruning, {full.SimulatedCount} without");
        Assert.Equal(0, full.Pruned);
        Assert.Equal(0, full.StoppedEarlyCount);
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void EarlyStop_GivesTheWholeRunsVerdict_ForEveryCandidate(string name)
    {
        var p = Problem(name);
        int stopped = 0;
        foreach (var g in p.Candidates.Groups())
            for (int n = p.Candidates.MinReplicas; n <= p.Candidates.MaxReplicas; n++)
            {
                var c = g.With(n);
                double cost = p.Candidates.CostPerHour(c);
                var whole = CandidateEvaluator.Evaluate(p.BaseOptions, c, cost, p.Traffic, p.Slo);
                var fast = CandidateEvaluator.Evaluate(p.BaseOptions, c, cost, p.Traffic, p.Slo, stopAtVerdict: true);
                Assert.Equal(whole.MeetsSlo, fast.MeetsSlo);
                Assert.False(whole.StoppedEarly);
                if (!fast.StoppedEarly)
                {
                    // Not stopped: the very same run.
                    Assert.Equal(whole.TtftAtPercentile, fast.TtftAtPercentile);
                    Assert.Equal(whole.TpotAtPercentile, fast.TpotAtPercentile);
                    Assert.Equal(whole.Attainment, fast.Attainment);
                    continue;
                }
                stopped++;
                Assert.False(whole.MeetsSlo);
                Assert.True(fast.Requests < p.Traffic.Requests.Length, $"{c}: stopped with all {fast.Requests} finished");
                Assert.InRange(fast.StoppedAtSeconds, 0, double.MaxValue);
            }
        Assert.True(stopped > 0, $"{name}: no candidate stopped early");
    }

    /// <summary>
    /// Requests still waiting for their first token past the TTFT limit are certain misses: a candidate stops on them
    /// before any rule on finished requests could fire. Fewer requests finished than the high values the quantile
    /// needs, and no rejection, so only the waiting ones can have decided it; the whole run agrees.
    /// </summary>
    [Theory]
    [InlineData("l40s", "vllm-v1", 1, 0.9, 0.25, null)]
    [InlineData("l40s", "sarathi", 1, 0.9, 0.25, null)]
    [InlineData("a100-80g", "vllm-v1", 1, 0.5, 0.08, null)]
    [InlineData("a100-80g", "sarathi", 1, 0.5, 0.08, null)]
    [InlineData("l40s", "vllm-v1", 1, 0.9, 0.25, 0.9)]
    public void WaitingPastTheTtftLimit_StopsARun_NoFinishedRequestCouldHave(string hardware, string scheduler, int replicas,
        double percentile, double ttft, double? attainment)
    {
        var p = PlanTestProblems.Small();
        var slo = new Slo { Percentile = percentile, TtftSeconds = ttft, TpotSeconds = 0.03, Attainment = attainment };
        var c = new Candidate(hardware, 1, scheduler, replicas);
        double cost = p.Candidates.CostPerHour(c);
        var whole = CandidateEvaluator.Evaluate(p.BaseOptions, c, cost, p.Traffic, slo);
        var fast = CandidateEvaluator.Evaluate(p.BaseOptions, c, cost, p.Traffic, slo, stopAtVerdict: true);
        Assert.True(fast.StoppedEarly, $"{c} ran whole");
        Assert.False(whole.MeetsSlo);
        Assert.False(fast.MeetsSlo);
        Assert.Equal(0, fast.Rejected);
        int n = p.Traffic.Requests.Length;
        // Rules on finished requests need this many of them missing: the percentile's high count, or for goodput the
        // misses that put the attainment out of reach.
        long needed = SloVerdict.HighNeeded(percentile, n);
        if (attainment is { } a)
            for (needed = 0; (double)(n - needed) / n >= a; needed++) { }
        Assert.True(fast.Requests < needed, $"{c}: {fast.Requests} finished by the stop, {needed} could have decided it");
        Assert.Contains("without a first token", fast.StopReason);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.25)]
    [InlineData(0.05)]
    [InlineData(1e-3)]
    public void SmallestHigh_IsHigh_AndTheDoubleUnderItIsNot(double limit)
    {
        static bool High(double v, double limit) => v > limit && LogHistogram.BucketMiddle(LogHistogram.BucketOf(v)) > limit;
        double v = SloVerdict.SmallestHigh(limit);
        Assert.True(High(v, limit));
        Assert.False(High(Math.BitDecrement(v), limit));
        Assert.True(High(v * 1.5, limit));
    }

    [Fact]
    public async Task StoppedRuns_AreFlaggedPartial_OffTheFrontier_AndInTheJson()
    {
        var plan = await Plan(Problem("default"));
        var stopped = plan.Simulated.Where(r => r.StoppedEarly).ToList();
        Assert.NotEmpty(stopped);
        Assert.All(stopped, r => Assert.False(r.MeetsSlo));
        Assert.DoesNotContain(plan.Frontier, r => r.StoppedEarly);
        using var ms = new MemoryStream();
        PlanResultJson.Write(ms, plan);
        using var doc = System.Text.Json.JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.Equal(stopped.Count, root.GetProperty("search").GetProperty("stopped_early").GetInt64());
        Assert.Equal(plan.Pruned, root.GetProperty("search").GetProperty("pruned").GetInt64());
        var flagged = root.GetProperty("simulated").EnumerateArray().Where(c => c.GetProperty("stopped_early").ValueKind == System.Text.Json.JsonValueKind.Object).ToList();
        Assert.Equal(stopped.Count, flagged.Count);
        Assert.All(flagged, c =>
        {
            var s = c.GetProperty("stopped_early");
            Assert.Equal(600, s.GetProperty("of_requests").GetInt64());
            Assert.Equal(c.GetProperty("requests").GetInt64(), s.GetProperty("finished_requests").GetInt64());
            Assert.True(s.GetProperty("finished_requests").GetInt64() < 600);
        });
    }

    [Fact]
    public async Task NoCandidateMeets_TheStoppedRunsAreFinished_BeforeTheClosestIsChosen()
    {
        var problem = PlanTestProblems.Small(new Slo { Percentile = 0.99, TtftSeconds = 0.001, TpotSeconds = 0.03 });
        var plan = await Plan(problem);
        var whole = await Plan(problem with { StopEarly = false });
        Assert.Null(plan.Best);
        Assert.True(plan.StoppedEarlyCount > 0);
        // Each group's most replicas simulated was run whole, and the closest is one of them.
        foreach (var g in plan.Simulated.GroupBy(r => (r.Candidate.Hardware, r.Candidate.Scheduler)))
            Assert.False(g.MaxBy(r => r.Candidate.Replicas)!.StoppedEarly, $"{g.Key}");
        Assert.False(plan.Closest!.StoppedEarly);
        Assert.Equal(whole.Closest!.Candidate, plan.Closest!.Candidate);
        Assert.Equal(whole.Closest.TtftAtPercentile, plan.Closest.TtftAtPercentile);
    }

    [Theory]
    [InlineData(0.9, 10, 2)]   // at 10 the rank is 9: the 9th and 10th values
    [InlineData(0.5, 4, 3)]    // at 4 the rank is 2: values 2..4
    [InlineData(0.99, 100, 2)] // at 100 the rank is 99
    public void HighNeeded_IsTheCountAboveTheNearestRank(double p, int n, long expected) =>
        Assert.Equal(expected, SloVerdict.HighNeeded(p, n));

    [Theory]
    [InlineData(0.99, 600)]
    [InlineData(0.9, 37)]
    [InlineData(0.5, 12)]
    public void HighNeededValues_PutTheHistogramsQuantileOverTheLimit_AtEveryCount(double p, int n)
    {
        const double limit = 0.5;
        long need = SloVerdict.HighNeeded(p, n);
        // The smallest value over the limit whose bucket's middle is over it too, and one under the limit.
        double high = limit;
        while (!(high > limit && LogHistogram.BucketMiddle(LogHistogram.BucketOf(high)) > limit)) high = Math.BitIncrement(high) * 1.0001;
        for (int m = (int)need; m <= n; m++)
        {
            var h = new LogHistogram();
            for (int i = 0; i < m - need; i++) h.Add(0.1);
            for (int i = 0; i < need; i++) h.Add(high);
            Assert.True(h.Quantile(p) > limit, $"count {m}: quantile {h.Quantile(p)} with {need} high values");
        }
        // One fewer is not enough at some count.
        bool short1 = Enumerable.Range((int)need, n - (int)need + 1).Any(m =>
        {
            var h = new LogHistogram();
            for (int i = 0; i < m - need + 1; i++) h.Add(0.1);
            for (int i = 0; i < need - 1; i++) h.Add(high);
            return h.Quantile(p) <= limit;
        });
        Assert.True(short1, "need - 1 high values already settle it");
    }
}
