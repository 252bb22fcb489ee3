using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A plain trace (the files <c>simulate --workload</c> reads) as the event stream of a load test: its rows' prompt and
/// output lengths, in file order, arrive as a Poisson process at a given rate, dealt round-robin to the replicas.
/// A plain trace has no timings, so "production" is TokenSim itself: each replica is simulated with the execution-time
/// model given, and its arrivals, first tokens, finishes and an engine snapshot (running, waiting, KV use) every
/// <see cref="SnapshotSeconds"/> become the events. The twin's accuracy is then its prediction method's own error.
/// </summary>
internal static class TraceEventStream
{
    public const double SnapshotSeconds = 0.5;

    /// <summary>The deployment the load test registers: explicit engine settings, so the twin simulates what production did.</summary>
    public static DeploymentSpec Deployment(ReplicaSpec spec, string model, string hardware, int replicas, string name, string perfModel) => new()
    {
        Name = name, Model = model, Hardware = hardware, TensorParallel = spec.TensorParallel, Replicas = replicas, Scheduler = spec.Scheduler, PerfModel = perfModel,
        Engine = new EngineSettings
        {
            MaxNumSeqs = spec.MaxNumSeqs, MaxNumBatchedTokens = spec.MaxNumBatchedTokens, BlockSize = spec.BlockSize,
            KvBlocks = spec.NumGpuBlocks, MaxModelLen = spec.MaxModelLen, EnablePrefixCaching = spec.PrefixCaching,
        },
    };

    /// <summary>
    /// The events, in time order with their offsets in production seconds from the first arrival. Rows that do not fit
    /// the context are left out (<paramref name="note"/> says how many); at most <paramref name="limit"/> rows are used.
    /// </summary>
    public static List<(double Offset, Event Event)> From(Trace trace, ReplicaSpec spec, string perfModel, int replicas, double rate, int seed, int? limit,
        string deployment, double epoch, out string? note)
    {
        var (rows, _, leftOut) = trace.LengthsFitting(spec.MaxModelLen);
        note = leftOut;
        if (rows.Length == 0) throw new ArgumentException($"--workload {trace.Source}: no row fits max_model_len {spec.MaxModelLen}{(leftOut is null ? "" : $" ({leftOut})")}.");
        if (limit is { } n) rows = rows[..Math.Min(n, rows.Length)];
        var rng = new Random(seed);
        var sims = Enumerable.Range(0, replicas).Select(_ => new Simulator(new SimulationOptions { Replica = spec, ExecutionTime = ExecutionTimeModels.Parse(perfModel), Seed = (ulong)seed })).ToArray();
        var ids = new Dictionary<Request, string>(ReferenceEqualityComparer.Instance);
        double t = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var r = sims[i % replicas].Submit(new RequestSpec(t, rows[i].Prompt, rows[i].Output));
            ids[r] = $"req-{i}";
            t += -Math.Log(1 - rng.NextDouble()) / rate;
        }
        var events = new List<(double Offset, int Order, Event Event)>();
        Event New(string id, int replica, double offset) => new()
        {
            EventId = $"{deployment}/{id}", Deployment = deployment, Replica = replica,
            ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round((epoch + offset) * TimeSpan.TicksPerSecond))),
        };
        for (int k = 0; k < replicas; k++)
        {
            var sim = sims[k];
            sim.Observer = new Recorder(events, ids, k, New);
            double next = SnapshotSeconds;
            while (sim.NextEventTime is { } due)
            {
                // Snapshots as an engine's exporter samples them: the state between steps, at fixed times.
                for (; next <= due; next += SnapshotSeconds)
                {
                    var state = sim.Replicas[0];
                    var e = New(FormattableString.Invariant($"snapshot/{k}/{next:R}"), k, next);
                    e.EngineSnapshot = new EngineSnapshot { Running = state.Running.Count, Waiting = state.Waiting.Count, KvCacheUsage = state.Kv.Usage, KvBlocksTotal = state.Kv.TotalBlocks };
                    events.Add((next, 3, e));
                }
                if (!sim.Step()) break;
            }
        }
        return events.OrderBy(e => e.Offset).ThenBy(e => e.Order).Select(e => (e.Offset, e.Event)).ToList();
    }

    private sealed class Recorder(List<(double, int, Event)> events, Dictionary<Request, string> ids, int replica, Func<string, int, double, Event> create) : ISimulationObserver
    {
        public void OnArrived(Request r, double now)
        {
            var e = create($"{ids[r]}/arrived", replica, now);
            // max_tokens is the output length, as vLLM's benchmark client sends it. The time is the arrival, before the
            // engine queues it at a step boundary: what the first-token and finish events are measured from.
            e.RequestArrived = new RequestArrived { RequestId = ids[r], PromptTokens = r.PromptTokens, MaxTokens = r.OutputTokens, FrontendArrival = true };
            events.Add((now, 0, e));
        }

        public void OnToken(Request r, double now)
        {
            if (r.Generated != 1) return;
            var e = create($"{ids[r]}/first_token", replica, now);
            e.FirstToken = new FirstToken { RequestId = ids[r] };
            events.Add((now, 1, e));
        }

        public void OnFinished(Request r, double now)
        {
            var e = create($"{ids[r]}/finished", replica, now);
            e.RequestFinished = new RequestFinished { RequestId = ids[r], OutputTokens = r.Generated };
            events.Add((now, 2, e));
        }

        public void OnRejected(Request r, double now, string reason) =>
            throw new InvalidOperationException($"production's simulation rejected {ids[r]} ({r.PromptTokens} prompt tokens): {reason}");
    }
}
