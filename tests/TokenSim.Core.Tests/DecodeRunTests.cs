using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation;
using TokenSim.Core.Validation;

namespace TokenSim.Core.Tests;

/// <summary>
/// Runs of decode steps advanced in one go (<c>DecodeRun</c>) against the step-by-step engine (<c>--exact-steps</c>):
/// the same requests, tokens, preemptions and KV decisions, and the same times to the last bit; only the metrics'
/// running sums may differ in the order they were added (relative 1e-9).
/// </summary>
public class DecodeRunTests
{
    /// <summary>Every scheduler, with async scheduling on and off, on both KV managers.</summary>
    public static TheoryData<string, string, bool> Policies()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var scheduler in ReplicaSchedulers.Registry.Names)
            foreach (var kv in new[] { "paged", "prefix-caching" })
                foreach (bool async in new[] { true, false })
                    data.Add(scheduler, kv, async);
        return data;
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void EverySchedulerAndKvManager_SameAsExactSteps(string scheduler, string kv, bool async)
    {
        var s = Settings("poisson:rate=6,n=120");
        s.Scheduler = scheduler;
        s.KvCacheManager = kv;
        s.AsyncScheduling = async;
        // Schedulers whose steady decode is V1's take runs with or without async scheduling; the rest step exactly.
        AssertSame(s, expectSkips: scheduler is "vllm-v1" or "vllm" or "sarathi");
    }

    [Theory]
    [InlineData("kv-bound", 2, "round-robin")]
    [InlineData("kv-bound-swap", 2, "round-robin")]
    [InlineData("kv-bound-watermark", 1, "round-robin")]
    [InlineData("max-seqs", 1, "round-robin")]
    [InlineData("replicas", 4, "least-outstanding")]
    [InlineData("replicas", 3, "round-robin")]
    [InlineData("host-tier", 2, "round-robin")]
    [InlineData("pipeline", 2, "round-robin")]
    [InlineData("tensor", 2, "round-robin")]
    [InlineData("dp-moe", 1, "round-robin")]
    [InlineData("disaggregated", 2, "round-robin")]
    [InlineData("closed-loop", 2, "round-robin")]
    [InlineData("burst", 2, "round-robin")]
    [InlineData("replicas", 3, "random")]
    [InlineData("kv-bound-sync", 2, "round-robin")]
    [InlineData("kv-bound-sarathi", 2, "round-robin")]
    [InlineData("max-seqs-sarathi", 1, "round-robin")]
    public void MemoryPoliciesAndClusterShapes_SameAsExactSteps(string shape, int replicas, string router)
    {
        var s = Settings("poisson:rate=10,n=150");
        s.Replicas = replicas;
        s.Router = router;
        bool skips = true;
        switch (shape)
        {
            case "kv-bound": s.KvBlocks = 300; s.Workload = "poisson:rate=20,n=150"; break;
            case "kv-bound-swap": s.KvBlocks = 300; s.Preemption = "swap"; s.Scheduler = "vllm-v0"; skips = false; break;
            case "kv-bound-watermark": s.KvBlocks = 400; s.Watermark = 0.2; s.Workload = "poisson:rate=20,n=150"; break;
            case "max-seqs": s.MaxNumSeqs = 4; s.Workload = "poisson:rate=20,n=150"; break;
            case "kv-bound-sync": s.KvBlocks = 300; s.AsyncScheduling = false; s.Workload = "poisson:rate=20,n=150"; break;
            case "kv-bound-sarathi": s.KvBlocks = 300; s.Scheduler = "sarathi"; s.Workload = "poisson:rate=20,n=150"; break;
            case "max-seqs-sarathi": s.MaxNumSeqs = 4; s.Scheduler = "sarathi"; s.ChunkSize = 256; s.Workload = "poisson:rate=20,n=150"; break;
            case "host-tier": s.CpuCacheBlocks = 500; s.PrefixEviction = "lfu"; break;
            case "pipeline": s.Pp = 2; s.AsyncScheduling = false; skips = false; break;
            case "tensor": s.Tp = 2; break;
            case "dp-moe": s.Model = "qwen3-30b-a3b"; s.Hardware = "h100-sxm"; s.MaxModelLen = 32768; s.Dp = 2; s.ExpertParallel = true; skips = false; break;
            case "disaggregated": s.DecodeReplicas = 2; skips = false; break;
            case "closed-loop": s.Workload = "closed:concurrency=8,n=100,input=300,output=120"; skips = false; break;
            case "burst": s.Workload = "burst:n=40,input=200,output=150"; break;
        }
        AssertSame(s, expectSkips: skips);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ArrivalIntoABusyReplica_RunStartsWithThePromptsLastChunk(bool async)
    {
        // Light load, as the million-request target runs: each arrival joins a replica that is decoding. The step end
        // that admits it is exact (the scheduler decides), and so is its launch of the prompt; the step whose end
        // samples the first token is already inside a run. Steps launched outside runs are the exact ones: about two
        // per request here, three when a run could not start before the first token.
        var s = Settings("poisson:rate=8,n=400");
        s.Replicas = 4;
        s.AsyncScheduling = async;
        var (skip, _) = AssertSame(s, expectSkips: true);
        long exactSteps = skip.Metrics.Steps - skip.SkippedSteps;
        Assert.True(exactSteps < 2.5 * 400, $"{exactSteps:N0} exact steps for 400 requests");
    }

    [Fact]
    public void Vidur50kTraceHead_SameAsExactSteps_AndMostStepsSkipped()
    {
        // The first 2,000 requests of the trace the speed target is measured on (Vidur's 50k, qps 8, 4 replicas).
        var gz = TestSupport.DataFile("reference", "vidur-runs", "workloads", "workload_50000req_qps8_seed42_convx3.csv.gz");
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-vidur-head-{Guid.NewGuid():N}.csv");
        try
        {
            // As the speed benchmark feeds it: without Vidur's request-id column.
            using (var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(gz), System.IO.Compression.CompressionMode.Decompress)))
            using (var writer = new StreamWriter(path))
                for (int i = 0; i <= 2000 && reader.ReadLine() is { } line; i++) writer.WriteLine(line[(line.IndexOf(',') + 1)..]);
            var s = Settings(path);
            s.Replicas = 4;
            var (skip, exact) = AssertSame(s, expectSkips: true);
            Assert.Equal(2000, skip.Metrics.Completed);
            Assert.True(skip.SkippedSteps > skip.Metrics.Steps / 2, $"only {skip.SkippedSteps:N0} of {skip.Metrics.Steps:N0} steps in decode runs");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("vllm-v1", true)]
    [InlineData("sarathi", true)]
    public void InMemoryTrace_AsPlanRunsIt_SameAsExactSteps(string scheduler, bool expectSkips)
    {
        // A plan's candidate replays its traffic from memory (TraceWorkloadSource), open loop like a trace file.
        var requests = Workload.WorkloadSpec.Build("poisson:rate=12,n=200", 4096).Source;
        var random = new Randomness.SimRandom(7);
        var list = new List<RequestSpec>();
        while (requests.TryNext(0, random, out var r)) list.Add(r);
        Simulator Build(bool exactSteps)
        {
            var s = Settings("poisson:rate=1,n=1");
            s.Replicas = 3;
            s.Scheduler = scheduler;
            s.ExactSteps = exactSteps;
            var (sim, _, _) = s.Build(new Workload.WorkloadSpec.Built(new Workload.TraceWorkloadSource(list), "in-memory", []));
            return sim;
        }
        var (skip, exact) = (Build(false), Build(true));
        var a = Collect(skip);
        var b = Collect(exact);
        skip.Run();
        exact.Run();
        Assert.Equal(200, exact.Metrics.Completed);
        AssertSameRequests(b, a);
        AssertSameMetrics(exact, skip);
        Assert.Equal(0, exact.SkippedSteps);
        if (expectSkips) Assert.True(skip.SkippedSteps > 0, "no decode run was skipped");
        else Assert.Equal(0, skip.SkippedSteps);
    }

    [Fact]
    public void MeasuredVllmBenchRun_SameAsExactSteps()
    {
        // The visible measured run (vLLM bench of Llama-3.1-8B on an RTX PRO 6000), its requests as it queued them.
        var run = VllmBenchRun.Read(TestSupport.DataFile("runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"));
        Simulator Build(bool exactSteps)
        {
            var spec = ReplicaSpec(run);
            var sim = new Simulator(new SimulationOptions { Replica = spec, ExactSteps = exactSteps });
            double origin = run.Requests.Min(r => r.QueuedTs);
            foreach (var m in run.Requests.OrderBy(r => r.QueuedTs))
                sim.Submit(new RequestSpec(m.QueuedTs - origin, m.PromptTokens, Math.Max(1, m.OutputTokens)));
            return sim;
        }
        var (skip, exact) = (Build(false), Build(true));
        var a = Collect(skip);
        var b = Collect(exact);
        skip.Run();
        exact.Run();
        AssertSameRequests(b, a);
        AssertSameMetrics(exact, skip);
        Assert.True(skip.SkippedSteps > 0);
    }

    [Fact]
    public void AdvanceToInSlices_AndTimeSeries_SameAsExactRun()
    {
        var s = Settings("poisson:rate=8,n=200");
        s.Replicas = 2;
        var (exact, _, _) = Copy(s, exactSteps: true).Build(0.25);
        var (sliced, _, _) = Copy(s, exactSteps: false).Build(0.25);
        var a = Collect(exact);
        var b = Collect(sliced);
        exact.Run();
        // A driver advancing the clock in slices sees every state at the slice's end, as the exact engine would.
        for (double t = 0.37; sliced.NextEventTime is not null; t += 0.37)
        {
            sliced.AdvanceTo(t);
            Assert.True(sliced.Now <= t);
        }
        AssertSameRequests(a, b);
        AssertSameMetrics(exact, sliced);
        // The last slice samples on past the last event, to its end; up to there the series are the same.
        Assert.Equal(exact.Metrics.TimeSeries, sliced.Metrics.TimeSeries.Take(exact.Metrics.TimeSeries.Count));
        Assert.True(sliced.SkippedSteps > 0);
    }

    [Fact]
    public void CloneInTheMiddle_ContinuesLikeTheExactEngine()
    {
        var s = Settings("poisson:rate=8,n=200");
        var (exact, _, _) = Copy(s, exactSteps: true).Build();
        var (skip, _, _) = Copy(s, exactSteps: false).Build();
        exact.AdvanceTo(9.5);
        skip.AdvanceTo(9.5);
        var exactClone = exact.Clone();
        var skipClone = skip.Clone();
        var a = Collect(exactClone);
        var b = Collect(skipClone);
        exactClone.Run();
        skipClone.Run();
        AssertSameRequests(a, b);
        AssertSameMetrics(exactClone, skipClone);
    }

    [Fact]
    public void ObserverThatWantsEveryStep_StepsExactly_AndOneThatDoesNot_Skips()
    {
        var s = Settings("poisson:rate=8,n=100");
        var (every, _, _) = Copy(s, exactSteps: false).Build();
        var recorder = new RecordingObserver();
        every.Observer = recorder;
        every.Run();
        Assert.Equal(0, every.SkippedSteps);
        Assert.Equal(every.Metrics.OutputTokens, recorder.Tokens.Values.Sum(l => l.Count));

        var (finishes, _, _) = Copy(s, exactSteps: false).Build();
        var slo = new Metrics.SloCounter(1, 0.05, null);
        finishes.Observer = slo;
        finishes.Run();
        Assert.True(finishes.SkippedSteps > 0);
        Assert.Equal(100, slo.Finished);
        Assert.Equal(every.Metrics.Itl.Count, finishes.Metrics.Itl.Count);
    }

    [Theory]
    [InlineData(1, 97)]
    [InlineData(4, 13)]
    [InlineData(16, 5)]
    public void RunEventsInBatches_SameAsExactRun(int replicas, int events)
    {
        // Runs reach past the last event of a batch; the next batch's arrivals must still find each replica on time.
        var s = Settings($"poisson:rate={2 * replicas},n=300");
        s.Replicas = replicas;
        var (exact, _, _) = Copy(s, exactSteps: true).Build();
        var (batches, _, _) = Copy(s, exactSteps: false).Build();
        var a = Collect(exact);
        var b = Collect(batches);
        exact.Run();
        while (batches.RunEvents(events)) { }
        AssertSameRequests(a, b);
        AssertSameMetrics(exact, batches);
        Assert.True(batches.SkippedSteps > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FinishesInsideRuns_UnlessTheRouterReadsQueueLengths(bool async)
    {
        // One replica, so both routers send every request to it: the same run, with or without finishes inside runs.
        var s = Settings("poisson:rate=4,n=120");
        s.AsyncScheduling = async;
        int Late(string router, out Simulator sim)
        {
            var c = Copy(s, exactSteps: false);
            c.Router = router;
            (sim, _, _) = c.Build();
            var late = new LateFinishes(sim);
            sim.Observer = late;
            sim.Run();
            return late.Count;
        }
        int roundRobin = Late("round-robin", out var skip);
        int leastOutstanding = Late("least-outstanding", out var held);
        var (exact, _, _) = Copy(s, exactSteps: true).Build();
        exact.Run();
        AssertSameMetrics(exact, skip);
        AssertSameMetrics(exact, held);
        // Round-robin reads no replica: requests finish inside runs, reported when the run is applied, at their own time.
        Assert.True(roundRobin > 0, "no request finished inside a decode run");
        // Least-outstanding reads queue lengths at each arrival without settling: runs stop before every finish.
        Assert.Equal(0, leastOutstanding);
        Assert.True(skip.SkippedSteps > held.SkippedSteps, $"{skip.SkippedSteps:N0} steps skipped with finishes inside runs, {held.SkippedSteps:N0} without");
    }

    /// <summary>Counts finishes reported after the clock passed them: those that happened inside a decode run.</summary>
    private sealed class LateFinishes(Simulator sim) : ISimulationObserver
    {
        public int Count { get; private set; }
        public void OnFinished(Request r, double now)
        {
            Assert.Equal(r.FinishTime, now);
            if (now < sim.Now) Count++;
        }
        public bool WantsEveryStep => false;
    }

    [Fact]
    public void SingleSteps_NeverSkip()
    {
        var (sim, _, _) = Settings("poisson:rate=8,n=50").Build();
        while (sim.Step()) { }
        Assert.Equal(0, sim.SkippedSteps);
        Assert.Equal(50, sim.Metrics.Completed);
    }

    private static Entities.ReplicaSpec ReplicaSpec(VllmBenchRun run)
    {
        var hw = Entities.HardwareCatalog.Resolve(run.HardwareName);
        if (run.DeviceMemoryBytes is { } bytes) hw = hw with { MemoryBytes = bytes };
        return Entities.ReplicaSpec.Create(Entities.ModelCatalog.Resolve(run.ModelId), hw, run.Engine);
    }

    private static SimulateSettings Settings(string workload) =>
        new() { Model = "llama-2-7b", Hardware = "a100-80g", Workload = workload, Seed = 7 };

    private static SimulateSettings Copy(SimulateSettings s, bool exactSteps)
    {
        var c = s.Clone();
        c.ExactSteps = exactSteps;
        return c;
    }

    private static (Simulator Skip, Simulator Exact) AssertSame(SimulateSettings s, bool expectSkips)
    {
        var (exact, _, _) = Copy(s, exactSteps: true).Build();
        var (skip, _, _) = Copy(s, exactSteps: false).Build();
        var a = Collect(exact);
        var b = Collect(skip);
        exact.Run();
        skip.Run();
        AssertSameRequests(a, b);
        AssertSameMetrics(exact, skip);
        Assert.Equal(0, exact.SkippedSteps);
        if (expectSkips) Assert.True(skip.SkippedSteps > 0, "no decode run was skipped");
        else Assert.Equal(0, skip.SkippedSteps);
        return (skip, exact);
    }

    /// <summary>Every request that leaves the simulation, by id, through an observer that does not need every step.</summary>
    private static SortedDictionary<long, Request> Collect(Simulator sim)
    {
        var done = new SortedDictionary<long, Request>();
        sim.Observer = new Leaving(done);
        return done;
    }

    private sealed class Leaving(SortedDictionary<long, Request> done) : ISimulationObserver
    {
        public void OnFinished(Request r, double now) => done.Add(r.Id, r);
        public void OnRejected(Request r, double now, string reason) => done.Add(r.Id, r);
        public bool WantsEveryStep => false;
    }

    private static void AssertSameRequests(SortedDictionary<long, Request> exact, SortedDictionary<long, Request> skip)
    {
        Assert.Equal(exact.Keys, skip.Keys);
        foreach (var (id, e) in exact)
        {
            var s = skip[id];
            Assert.Equal(e.ToString(), s.ToString());
            Assert.Equal((e.Status, e.Generated, e.Preemptions, e.CachedPromptTokens, e.Replica), (s.Status, s.Generated, s.Preemptions, s.CachedPromptTokens, s.Replica));
            // Step ends are summed in the same order either way: the times are the same doubles.
            Assert.Equal((e.QueuedTime, e.ScheduledTime, e.FirstTokenTime, e.LastTokenTime, e.FinishTime), (s.QueuedTime, s.ScheduledTime, s.FirstTokenTime, s.LastTokenTime, s.FinishTime));
        }
    }

    private static void AssertSameMetrics(Simulator exact, Simulator skip)
    {
        var e = exact.Metrics;
        var s = skip.Metrics;
        Assert.Equal((e.Arrived, e.Completed, e.Rejected, e.Preemptions, e.PromptTokens, e.OutputTokens, e.Steps), (s.Arrived, s.Completed, s.Rejected, s.Preemptions, s.PromptTokens, s.OutputTokens, s.Steps));
        Assert.Equal((e.LastFinish, e.KvUsageMax), (s.LastFinish, s.KvUsageMax));
        Close(e.BusySeconds, s.BusySeconds);
        Close(e.KvUsageIntegral, s.KvUsageIntegral);
        foreach (var (he, hs) in new[] { (e.Ttft, s.Ttft), (e.Tpot, s.Tpot), (e.Itl, s.Itl), (e.E2e, s.E2e), (e.Queue, s.Queue), (e.BatchSize, s.BatchSize), (e.BatchTokens, s.BatchTokens), (e.StepSeconds, s.StepSeconds) })
        {
            Assert.Equal((he.Count, he.Min, he.Max), (hs.Count, hs.Min, hs.Max));
            foreach (double q in new[] { 0.1, 0.5, 0.9, 0.99 }) Assert.Equal(he.Quantile(q), hs.Quantile(q));
            Close(he.Sum, hs.Sum);
        }
        for (int i = 0; i < exact.Replicas.Count; i++)
        {
            var a = exact.Replicas[i];
            var b = skip.Replicas[i];
            Assert.Equal((a.Steps, a.TokensGenerated, a.PromptTokensServed, a.Preemptions, a.SwapOuts, a.SwapIns, a.Kv.FreeBlocks, a.Kv.PrefixHitTokens, a.Kv.PrefixQueryTokens),
                (b.Steps, b.TokensGenerated, b.PromptTokensServed, b.Preemptions, b.SwapOuts, b.SwapIns, b.Kv.FreeBlocks, b.Kv.PrefixHitTokens, b.Kv.PrefixQueryTokens));
        }
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{actual} is not {expected} to 1e-9");
}
