using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;
using TokenSim.Core.Entities;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands;

/// <summary>
/// A measured vLLM run as the event stream its deployment would have sent the twin: each request's arrival (at
/// <c>queued_ts</c>, with its output length as max_tokens, as vLLM's benchmark client sets it), first token and
/// finish, and an engine snapshot per time-series tick. Times keep the run's spacing from <see cref="Epoch"/> on.
/// </summary>
internal sealed class RunEventStream
{
    private RunEventStream(List<(double Offset, Event Event)> events, double epoch)
    {
        Events = events;
        Epoch = epoch;
    }

    /// <summary>Every event with its offset in production seconds from the first arrival, in time order.</summary>
    public IReadOnlyList<(double Offset, Event Event)> Events { get; }
    /// <summary>Unix seconds the first arrival is stamped with.</summary>
    public double Epoch { get; }

    public static RunEventStream From(VllmBenchRun run, string deployment, double epoch)
    {
        double origin = run.Requests.Min(r => r.QueuedTs);
        var list = new List<(double Offset, int Order, Event Event)>();
        Event New(string id, double offset) => new()
        {
            EventId = $"{deployment}/{id}", Deployment = deployment, Replica = 0,
            ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round((epoch + offset) * TimeSpan.TicksPerSecond))),
        };
        foreach (var r in run.Requests)
        {
            int output = Math.Max(1, r.OutputTokens);
            var arrived = New(r.Id + "/arrived", r.QueuedTs - origin);
            arrived.RequestArrived = new RequestArrived { RequestId = r.Id, PromptTokens = r.PromptTokens, MaxTokens = output };
            list.Add((r.QueuedTs - origin, 0, arrived));
            var first = New(r.Id + "/first_token", r.FirstTokenTs - origin);
            first.FirstToken = new FirstToken { RequestId = r.Id };
            list.Add((r.FirstTokenTs - origin, 1, first));
            var finished = New(r.Id + "/finished", r.LastTokenTs - origin);
            finished.RequestFinished = new RequestFinished { RequestId = r.Id, OutputTokens = output };
            list.Add((r.LastTokenTs - origin, 2, finished));
        }
        foreach (var tick in run.TimeSeries)
        {
            if (tick.Running is null || tick.Waiting is null) continue;
            double offset = tick.Time - run.SeriesOffset;
            if (offset < 0) continue;
            var e = New(FormattableString.Invariant($"snapshot/{tick.Time:R}"), offset);
            e.EngineSnapshot = new EngineSnapshot { Running = (int)tick.Running.Value, Waiting = (int)tick.Waiting.Value };
            // A series the run did not record stays absent, not zero.
            if (tick.KvCachePct is { } kv) e.EngineSnapshot.KvCacheUsage = kv / 100;
            list.Add((offset, 3, e));
        }
        return new RunEventStream(list.OrderBy(e => e.Offset).ThenBy(e => e.Order).Select(e => (e.Offset, e.Event)).ToList(), epoch);
    }

    /// <summary>The deployment the run measured, registered as <c>validate vllm-bench</c> replays it.</summary>
    public static DeploymentSpec Deployment(VllmBenchRun run, string name, string perfModel)
    {
        if (run.DataParallel > 1)
            throw new ArgumentException($"--run {run.Directory}: data_parallel_size {run.DataParallel}: the run does not say which rank served each request, so replay supports single-engine runs only.");
        var model = ModelCatalog.Resolve(run.ModelId);
        var hw = HardwareCatalog.Resolve(run.HardwareName);
        if (run.DeviceMemoryBytes is { } bytes) hw = hw with { MemoryBytes = bytes };
        var spec = ReplicaSpec.Create(model, hw, run.Engine with { EnablePrefixCaching = run.PrefixCaching });
        return new DeploymentSpec
        {
            Name = name, Model = run.ModelId, Hardware = run.HardwareName, TensorParallel = spec.TensorParallel, Replicas = 1,
            Scheduler = run.Engine.Scheduler, PerfModel = perfModel,
            // The block count derived from the run's own device memory: the server's catalog GPU may differ slightly.
            Engine = new EngineSettings
            {
                MaxNumSeqs = spec.MaxNumSeqs, MaxNumBatchedTokens = spec.MaxNumBatchedTokens, BlockSize = spec.BlockSize,
                KvBlocks = spec.NumGpuBlocks, MaxModelLen = spec.MaxModelLen, EnablePrefixCaching = spec.PrefixCaching,
            },
        };
    }
}
