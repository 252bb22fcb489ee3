using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>
/// vLLM's per-request OpenTelemetry span for one replica (VLLM-TELEMETRY.md §1): when a request finishes, one
/// <c>llm_request</c> span of kind SERVER that starts at the request's arrival and ends at its finish on the wall
/// clock, with vLLM's <c>gen_ai.*</c> attributes. Latency attributes are in simulated seconds, as the simulated
/// engine would measure them (the same as /metrics); at <c>--speed</c> 1 they equal the span's wall-clock times.
/// Spans are built on the engine thread and handed to the provider's processor; with a batch processor the
/// export happens on the SDK's own thread, so the engine never waits on the network.
/// </summary>
public sealed class RequestSpans : IRealTimeObserver, IDisposable
{
    /// <summary>The instrumentation scope vLLM's span comes from: <c>trace.get_tracer(__name__)</c> in vllm/tracing/otel.py.</summary>
    public const string ScopeName = "vllm.tracing.otel";
    public const string SpanName = "llm_request";

    private readonly ActivitySource _source = new(ScopeName);
    private readonly TracerProvider _provider;
    private readonly Dictionary<long, RequestParams> _params = [];
    private RealTimeEngine? _engine;

    /// <param name="replicaName">Carried as the resource's <c>service.instance.id</c>.</param>
    /// <param name="processor">Where finished spans go: a batch processor over an exporter (OTLP), or a simple one in tests.</param>
    public RequestSpans(string replicaName, BaseProcessor<Activity> processor)
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(VllmResource.Builder(replicaName))
            .AddSource(ScopeName)
            .AddProcessor(new OwnSpansProcessor(_source, processor))
            .Build();
    }

    /// <summary>Spans exported over OTLP with the SDK's batch processor (its <c>OTEL_BSP_*</c> settings apply, as in vLLM).</summary>
    public static RequestSpans Otlp(string replicaName, OtlpTracesTarget target)
    {
        var batch = new BatchExportActivityProcessorOptions();
        return new RequestSpans(replicaName, new BatchActivityExportProcessor(new OtlpTraceExporter(target.ExporterOptions()),
            batch.MaxQueueSize, batch.ScheduledDelayMilliseconds, batch.ExporterTimeoutMilliseconds, batch.MaxExportBatchSize));
    }

    public TracerProvider Provider => _provider;

    public void Attach(RealTimeEngine engine) => _engine = engine;

    public void OnArrived(Request r, double now) =>
        _params[r.Id] = _engine?.StreamOf(r.Id)?.Params ?? new RequestParams($"cmpl-{r.Id}", r.OutputTokens);

    public void OnRejected(Request r, double now, string reason) => _params.Remove(r.Id);

    public void OnFinished(Request r, double now)
    {
        if (!_params.Remove(r.Id, out var p) || _engine is null) return;
        // Only the client's traceparent may parent the span: whatever activity the engine thread inherited must not.
        Activity.Current = null;
        var tags = new List<KeyValuePair<string, object?>>(13)
        {
            new(SpanAttributes.TimeToFirstToken, r.FirstTokenTime - r.ArrivalTime),
            new(SpanAttributes.E2e, r.FinishTime - r.ArrivalTime),
            new(SpanAttributes.TimeInQueue, r.ScheduledTime - r.QueuedTime),
            new(SpanAttributes.PromptTokens, (long)r.PromptTokens),
            new(SpanAttributes.CompletionTokens, (long)r.Generated),
            new(SpanAttributes.TimeInModelPrefill, r.FirstTokenTime - r.ScheduledTime),
            new(SpanAttributes.TimeInModelDecode, r.LastTokenTime - r.FirstTokenTime),
            new(SpanAttributes.TimeInModelInference, r.LastTokenTime - r.ScheduledTime),
            new(SpanAttributes.RequestId, p.ExternalId),
        };
        // vLLM leaves out falsy parameters: a greedy request (temperature 0) has no temperature key.
        if (p.TopP != 0) tags.Add(new(SpanAttributes.TopP, p.TopP));
        if (p.MaxTokens != 0) tags.Add(new(SpanAttributes.MaxTokens, (long)p.MaxTokens));
        if (p.Temperature != 0) tags.Add(new(SpanAttributes.Temperature, p.Temperature));
        if (p.N != 0) tags.Add(new(SpanAttributes.N, (long)p.N));
        using var span = _source.StartActivity(SpanName, ActivityKind.Server, p.Parent, tags, startTime: WallClock(r.ArrivalTime));
        span?.SetEndTime(WallClock(r.FinishTime).UtcDateTime);
    }

    private DateTimeOffset WallClock(double simTime) => _engine!.StartedAt + TimeSpan.FromSeconds(_engine.WallAt(simTime));

    /// <summary>Exports what is queued (for shutdown and tests).</summary>
    public bool Flush(int timeoutMilliseconds = 5000) => _provider.ForceFlush(timeoutMilliseconds);

    public void Dispose()
    {
        _provider.Dispose();
        _source.Dispose();
    }
}
