using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Validation;

/// <summary>
/// Replays a measured vLLM run through the simulator and compares request latencies and engine time series.
/// Each request enters at its measured <c>queued_ts</c> (shifted so the first is at 0), because measured TTFT
/// starts there. The simulated engine, like vLLM, takes it in at its own next step boundary, and TTFT and E2E
/// are compared on the engine clock from that moment on both sides; it carries the measured prompt and output lengths and, when a workload file is given, its
/// token ids for prefix hashing. Nothing from the measured timings other than those arrival times enters the
/// simulation.
/// </summary>
public sealed record BenchValidation
{
    public required VllmBenchRun Run { get; init; }
    /// <summary>What the user should know about how the run was replayed.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
    public required ReplicaSpec Spec { get; init; }
    public required string PerfModel { get; init; }
    public required MetricComparison Ttft { get; init; }
    public required MetricComparison Tpot { get; init; }
    public required MetricComparison E2e { get; init; }
    public required IReadOnlyList<SeriesComparison> Series { get; init; }
    public required SimulationReport Report { get; init; }
    /// <summary>Each measured request (run order) with its simulated counterpart.</summary>
    public required IReadOnlyList<(MeasuredRequest Measured, Request Simulated)> Pairs { get; init; }
    /// <summary>Per measured tick: the measured values and the simulated ones at the same instant (running, waiting, KV %, prompt and generation throughput).</summary>
    public required IReadOnlyList<(MeasuredTick Measured, MeasuredTick Simulated)> Ticks { get; init; }
    /// <summary>The simulation's steps, logged when it ran under a correction (what <see cref="BenchCalibration"/> fits from); else null.</summary>
    public StepLog? Steps { get; init; }

    public static BenchValidation Execute(VllmBenchRun run, string perfModel, string? workloadFile, int? kvBlocksOverride, bool? prefixCaching = null,
        StepCorrection? correction = null)
    {
        var model = ModelCatalog.Resolve(run.ModelId);
        var hw = HardwareCatalog.Resolve(run.HardwareName);
        if (run.DeviceMemoryBytes is { } bytes) hw = hw with { MemoryBytes = bytes };
        var engine = run.Engine with
        {
            KvBlocks = kvBlocksOverride ?? run.Engine.KvBlocks,
            EnablePrefixCaching = prefixCaching ?? run.PrefixCaching,
        };
        var notes = new List<string>(run.Notes);
        if (kvBlocksOverride is { } forced && run.Engine.MaxModelLen is null)
        {
            // A forced small cache cannot hold the model's full context; vLLM would refuse to start, so the context
            // is capped at what the cache holds (the longest request of the run must still fit).
            int cap = Math.Min(model.MaxPositionEmbeddings, (forced - 1) * engine.BlockSize);
            engine = engine with { MaxModelLen = cap };
            notes.Add($"--kv-blocks {forced}: max_model_len capped at the {cap:N0} tokens the cache holds");
        }
        var spec = ReplicaSpec.Create(model, hw, engine);
        var modelFactory = ExecutionTimeModels.Parse(perfModel);
        Func<ReplicaSpec, IExecutionTimeModel> execFactory = correction is null ? modelFactory : s => new CorrectedExecutionTimeModel(modelFactory(s), correction);

        int[]?[] tokenIds = new int[]?[run.Requests.Count];
        if (workloadFile is not null)
        {
            var trace = TraceReader.ReadFile(workloadFile);
            if (trace.Requests.Count < run.Requests.Count)
                throw new ArgumentException($"--workload {workloadFile} has {trace.Requests.Count} requests; the run has {run.Requests.Count}.");
            for (int i = 0; i < run.Requests.Count; i++)
            {
                var ids = trace.Requests[i].TokenIds
                    ?? throw new ArgumentException($"--workload {workloadFile}: request {i + 1} carries no token ids (input_tok_ids): not the same workload.");
                if (ids.Length != run.Requests[i].PromptTokens)
                    throw new ArgumentException($"--workload {workloadFile}: request {i + 1} has {ids.Length} token ids but the run's {run.Requests[i].Id} has {run.Requests[i].PromptTokens} prompt tokens: not the same workload.");
                tokenIds[i] = ids;
            }
        }

        double origin = run.Requests.Min(r => r.QueuedTs);
        var sim = new Simulator(new SimulationOptions
        {
            // One replica of data_parallel_size engine ranks; vLLM's DP coordinator sends each request to the least-loaded rank.
            Replica = spec, Replicas = 1, Router = spec.DataParallel > 1 ? "least-outstanding" : "round-robin", ExecutionTime = execFactory, Seed = 0,
            TimeSeriesIntervalSeconds = 0.05,
        });
        var order = Enumerable.Range(0, run.Requests.Count).OrderBy(i => run.Requests[i].QueuedTs).ThenBy(i => i).ToArray();
        var byId = new Dictionary<long, int>();
        foreach (int i in order)
        {
            var m = run.Requests[i];
            var r = sim.Submit(new RequestSpec(m.QueuedTs - origin, m.PromptTokens, Math.Max(1, m.OutputTokens), TokenIds: tokenIds[i]));
            byId[r.Id] = i;
        }
        var finished = new Request?[run.Requests.Count];
        var collector = new FinishCollector(r => finished[byId[r.Id]] = r);
        // Logging every step costs the decode fast path, so only a calibration's replays (under a correction) log them.
        var steps = correction is null ? null : new StepLog(() => correction);
        sim.Observer = steps is null ? collector : new CompositeObserver(collector, steps);
        sim.Run();

        var measuredTtft = new List<double>(); var simTtft = new List<double>();
        var measuredTpot = new List<double>(); var simTpot = new List<double>();
        var measuredE2e = new List<double>(); var simE2e = new List<double>();
        for (int i = 0; i < run.Requests.Count; i++)
        {
            var m = run.Requests[i];
            var s = finished[i] ?? throw new InvalidOperationException($"Request {m.Id} did not finish in the simulation (rejected: prompt {m.PromptTokens} + output {m.OutputTokens} over max_model_len {spec.MaxModelLen}?).");
            // Both sides on the engine's clock: from the moment the engine drained the request (queued_ts).
            measuredTtft.Add(m.Ttft); simTtft.Add(s.EngineTtftSeconds);
            measuredE2e.Add(m.E2e); simE2e.Add(s.EngineE2eSeconds);
            if (m.Tpot is { } tpot) { measuredTpot.Add(tpot); simTpot.Add(s.TpotSeconds); }
        }
        return new BenchValidation
        {
            Run = run, Spec = spec, PerfModel = perfModel, Notes = notes,
            Ttft = MetricComparison.Of("TTFT", measuredTtft, simTtft),
            Tpot = MetricComparison.Of("TPOT", measuredTpot, simTpot),
            E2e = MetricComparison.Of("E2E", measuredE2e, simE2e),
            Series = CompareSeries(SeriesTicks(run, sim)),
            Report = SimulationReport.From(sim, 0),
            Pairs = run.Requests.Select((m, i) => (m, finished[i]!)).ToList(),
            Ticks = SeriesTicks(run, sim),
            Steps = steps,
        };
    }

    /// <summary>Samples the simulated series at each measured tick, shifted to the requests' origin.</summary>
    private static List<(MeasuredTick, MeasuredTick)> SeriesTicks(VllmBenchRun run, Simulator sim)
    {
        var points = sim.Metrics.TimeSeries;
        double interval = sim.Metrics.TimeSeriesInterval;
        int replicas = sim.Replicas.Count;
        double tick = run.TimeSeries.Count > 1 ? run.TimeSeries[1].Time - run.TimeSeries[0].Time : 1;
        (double Running, double Waiting, double Kv, double Prompt, double Gen)? At(double t)
        {
            int idx = (int)Math.Floor(t / interval) * replicas;
            if (idx < 0 || idx + replicas > points.Count) return null;
            int prev = Math.Max(0, (int)Math.Floor((t - tick) / interval)) * replicas;
            double run = 0, wait = 0, kv = 0, prompt = 0, gen = 0;
            for (int i = 0; i < replicas; i++)
            {
                var p = points[idx + i];
                run += p.Running; wait += p.Waiting; kv += p.KvUsage;
                prompt += p.PromptTokensServed - points[prev + i].PromptTokensServed;
                gen += p.TokensGenerated - points[prev + i].TokensGenerated;
            }
            return (run, wait, 100 * kv / replicas, prompt / tick, gen / tick);
        }
        var ticks = new List<(MeasuredTick, MeasuredTick)>();
        foreach (var m in run.TimeSeries)
            if (At(m.Time - run.SeriesOffset) is { } s)
                ticks.Add((m, new MeasuredTick(m.Time, s.Running, s.Waiting, s.Kv, s.Prompt, s.Gen)));
        return ticks;
    }

    /// <summary>Mean absolute error per series over the ticks where the run recorded it.</summary>
    private static List<SeriesComparison> CompareSeries(List<(MeasuredTick M, MeasuredTick S)> ticks)
    {
        var result = new List<SeriesComparison>();
        foreach (var (name, pick) in new (string, Func<MeasuredTick, double?>)[]
                 {
                     ("running", t => t.Running), ("waiting", t => t.Waiting), ("kv_cache_pct", t => t.KvCachePct),
                     ("prompt_throughput", t => t.PromptThroughput), ("gen_throughput", t => t.GenThroughput),
                 })
        {
            var pairs = ticks.Where(t => pick(t.M) is not null).Select(t => (m: pick(t.M)!.Value, s: pick(t.S)!.Value)).ToList();
            if (pairs.Count == 0) continue;
            result.Add(new SeriesComparison(name, pairs.Count, pairs.Average(p => p.m), pairs.Average(p => p.s), pairs.Average(p => Math.Abs(p.m - p.s))));
        }
        return result;
    }

    private sealed class FinishCollector(Action<Request> onFinished) : ISimulationObserver
    {
        public void OnFinished(Request r, double now) => onFinished(r);
        public bool WantsEveryStep => false;
    }
}
