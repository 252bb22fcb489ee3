using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Validation;

/// <summary>
/// Replays a measured vLLM run through the simulator and compares request latencies and engine time series.
/// Each request enters at its measured <c>queued_ts</c> (shifted so the first is at 0), because measured TTFT
/// starts there; it carries the measured prompt and output lengths and, when a workload file is given, its
/// token ids for prefix hashing. Nothing from the measured timings other than those arrival times enters the
/// simulation.
/// </summary>
public sealed record BenchValidation
{
    public required VllmBenchRun Run { get; init; }
    public required ReplicaSpec Spec { get; init; }
    public required string PerfModel { get; init; }
    public required MetricComparison Ttft { get; init; }
    public required MetricComparison Tpot { get; init; }
    public required MetricComparison E2e { get; init; }
    public required IReadOnlyList<SeriesComparison> Series { get; init; }
    public required SimulationReport Report { get; init; }

    public static BenchValidation Execute(VllmBenchRun run, string perfModel, string? workloadFile, int? kvBlocksOverride)
    {
        var model = ModelCatalog.Resolve(run.ModelId);
        var hw = HardwareCatalog.Resolve(run.HardwareName);
        if (run.DeviceMemoryBytes is { } bytes) hw = hw with { MemoryBytes = bytes };
        var engine = kvBlocksOverride is { } kb ? run.Engine with { KvBlocks = kb } : run.Engine;
        var spec = ReplicaSpec.Create(model, hw, engine);
        var execFactory = ExecutionTimeModels.Parse(perfModel);

        int[]?[] tokenIds = new int[]?[run.Requests.Count];
        if (workloadFile is not null)
        {
            var trace = TraceReader.ReadFile(workloadFile);
            if (trace.Requests.Count < run.Requests.Count)
                throw new ArgumentException($"--workload {workloadFile} has {trace.Requests.Count} requests; the run has {run.Requests.Count}.");
            for (int i = 0; i < run.Requests.Count; i++)
            {
                var ids = trace.Requests[i].TokenIds;
                if (ids is not null && ids.Length != run.Requests[i].PromptTokens)
                    throw new ArgumentException($"--workload {workloadFile}: request {i + 1} has {ids.Length} token ids but the run's {run.Requests[i].Id} has {run.Requests[i].PromptTokens} prompt tokens: not the same workload.");
                tokenIds[i] = ids;
            }
        }

        double origin = run.Requests.Min(r => r.QueuedTs);
        var sim = new Simulator(new SimulationOptions
        {
            Replica = spec, Replicas = Math.Max(1, run.DataParallel), ExecutionTime = execFactory, Seed = 0,
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
        sim.Observer = new FinishCollector(r => finished[byId[r.Id]] = r);
        sim.Run();

        var measuredTtft = new List<double>(); var simTtft = new List<double>();
        var measuredTpot = new List<double>(); var simTpot = new List<double>();
        var measuredE2e = new List<double>(); var simE2e = new List<double>();
        for (int i = 0; i < run.Requests.Count; i++)
        {
            var m = run.Requests[i];
            var s = finished[i] ?? throw new InvalidOperationException($"Request {m.Id} did not finish in the simulation (rejected: prompt {m.PromptTokens} + output {m.OutputTokens} over max_model_len {spec.MaxModelLen}?).");
            measuredTtft.Add(m.Ttft); simTtft.Add(s.TtftSeconds);
            measuredE2e.Add(m.E2e); simE2e.Add(s.E2eSeconds);
            if (m.Tpot is { } tpot) { measuredTpot.Add(tpot); simTpot.Add(s.TpotSeconds); }
        }
        return new BenchValidation
        {
            Run = run, Spec = spec, PerfModel = perfModel,
            Ttft = MetricComparison.Of("TTFT", measuredTtft, simTtft),
            Tpot = MetricComparison.Of("TPOT", measuredTpot, simTpot),
            E2e = MetricComparison.Of("E2E", measuredE2e, simE2e),
            Series = CompareSeries(run, sim),
            Report = SimulationReport.From(sim, 0),
        };
    }

    /// <summary>Samples the simulated series at each measured tick (shifted to the requests' origin) and compares.</summary>
    private static List<SeriesComparison> CompareSeries(VllmBenchRun run, Simulator sim)
    {
        var points = sim.Metrics.TimeSeries;
        double interval = sim.Metrics.TimeSeriesInterval;
        int replicas = sim.Replicas.Count;
        (double Running, double Waiting, double Kv)? At(double t)
        {
            int idx = (int)Math.Floor(t / interval) * replicas;
            if (idx < 0 || idx + replicas > points.Count) return null;
            double run = 0, wait = 0, kv = 0;
            for (int i = idx; i < idx + replicas; i++) { run += points[i].Running; wait += points[i].Waiting; kv += points[i].KvUsage; }
            return (run, wait, 100 * kv / replicas);
        }
        var result = new List<SeriesComparison>();
        foreach (var (name, pick, sel) in new (string, Func<MeasuredTick, double?>, Func<(double, double, double), double>)[]
                 { ("running", t => t.Running, v => v.Item1), ("waiting", t => t.Waiting, v => v.Item2), ("kv_cache_pct", t => t.KvCachePct, v => v.Item3) })
        {
            var pairs = run.TimeSeries.Select(t => (m: pick(t), s: At(t.Time - run.SeriesOffset))).Where(p => p.m is not null && p.s is not null)
                .Select(p => (m: p.m!.Value, s: sel(p.s!.Value))).ToList();
            if (pairs.Count == 0) continue;
            result.Add(new SeriesComparison(name, pairs.Count, pairs.Average(p => p.m), pairs.Average(p => p.s), pairs.Average(p => Math.Abs(p.m - p.s))));
        }
        return result;
    }

    private sealed class FinishCollector(Action<Request> onFinished) : ISimulationObserver
    {
        public void OnFinished(Request r, double now) => onFinished(r);
    }
}
