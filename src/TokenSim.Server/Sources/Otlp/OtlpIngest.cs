using System.Globalization;
using OpenTelemetry.Proto.Collector.Trace.V1;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// One OTLP trace export, whichever transport brought it: each <c>llm_request</c> span becomes a request_observed
/// event of the replica its resource maps to, start-up spans go to the boot timeline, other spans are counted as
/// ignored. Every span is accounted for: applied, duplicate (a retried export), boot, ignored, or rejected with a
/// counted reason, which the answer's partial_success reports; a rejected span never costs the others.
/// </summary>
public sealed partial class OtlpIngest(SpanRouter router, TwinSink sink, SourceMetrics metrics, BootTimeline boot, ILogger<OtlpIngest> log)
{
    /// <summary>At most this many rejection details go into an answer's error_message.</summary>
    private const int MaxDetails = 5;

    public readonly record struct Result(long Rejected, string ErrorMessage);

    public async Task<Result> ExportAsync(ExportTraceServiceRequest request, string transport)
    {
        var byDeployment = new Dictionary<string, List<TwinEvent>>(StringComparer.Ordinal);
        var rejections = new List<SpanConverter.Rejection>();
        long ignored = 0, boots = 0;
        foreach (var rs in request.ResourceSpans)
        {
            var resource = SpanRouter.Attributes(rs.Resource?.Attributes ?? []);
            var route = router.Route(resource);
            foreach (var ss in rs.ScopeSpans)
                foreach (var span in ss.Spans)
                {
                    if (span.Name != SpanConverter.RequestSpan)
                    {
                        if (!BootTimeline.IsBootSpan(span)) { ignored++; continue; }
                        boots++;
                        AddBoot(span, route, resource);
                        continue;
                    }
                    if (route is not { } r)
                    {
                        rejections.Add(new("unmapped_resource", $"no span rule and no {SpanRouter.DeploymentAttribute} attribute matches the resource ({Describe(resource)})"));
                        continue;
                    }
                    var (e, problem) = SpanConverter.Convert(span, r.Replica);
                    if (problem is { } p) { rejections.Add(p); continue; }
                    if (!byDeployment.TryGetValue(r.Deployment, out var list)) byDeployment[r.Deployment] = list = [];
                    list.Add(e!);
                }
        }
        long applied = 0, duplicates = 0;
        foreach (var (deployment, events) in byDeployment)
        {
            var outcomes = await sink.IngestAsync(deployment, events);
            if (outcomes is null)
            {
                for (int i = 0; i < events.Count; i++)
                    rejections.Add(new("unknown_deployment", $"deployment '{deployment}' is not registered (spans mapped to it: {events.Count})"));
                continue;
            }
            for (int i = 0; i < outcomes.Length; i++)
            {
                switch (outcomes[i].Kind)
                {
                    case EventOutcomeKind.Applied: applied++; break;
                    case EventOutcomeKind.Duplicate: duplicates++; break;
                    case EventOutcomeKind.Late: rejections.Add(new("late", $"{events[i].EventId}: {outcomes[i].Reason}")); break;
                    default: rejections.Add(new("invalid", $"{events[i].EventId}: {outcomes[i].Reason}")); break;
                }
            }
        }
        metrics.Span(transport, "applied", applied);
        metrics.Span(transport, "duplicate", duplicates);
        metrics.Span(transport, "boot", boots);
        metrics.Span(transport, "ignored", ignored);
        metrics.Span(transport, "rejected", rejections.Count);
        foreach (var g in rejections.GroupBy(x => x.Reason)) metrics.Reject("otlp", g.Key, g.Count());
        if (rejections.Count == 0) return new Result(0, "");
        var details = rejections.Select(x => x.Detail).Distinct().Take(MaxDetails).ToList();
        string message = $"{rejections.Count} span(s) rejected: " + string.Join("; ", details) + (rejections.Count > details.Count ? "; …" : "");
        LogRejected(log, transport, message);
        return new Result(rejections.Count, message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export over {Transport}: {Message}")]
    private static partial void LogRejected(ILogger logger, string transport, string message);

    private void AddBoot(OpenTelemetry.Proto.Trace.V1.Span span, (string Deployment, int Replica)? route, Dictionary<string, string> resource)
    {
        string deployment = route?.Deployment ?? "", replica = route?.Replica.ToString(CultureInfo.InvariantCulture) ?? "";
        double start = span.StartTimeUnixNano / 1e9;
        double duration = span.EndTimeUnixNano >= span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e9 : 0;
        string? function = span.Attributes.FirstOrDefault(a => a.Key == "code.function")?.Value?.StringValue;
        boot.Add(new BootTimeline.BootSpan(deployment, replica, resource.GetValueOrDefault("service.name", ""), span.Name, function, start, duration));
        if (route is not null) metrics.Boot(deployment, replica, span.Name, duration);
    }

    private static string Describe(Dictionary<string, string> resource) =>
        string.Join(", ", resource.Where(kv => kv.Key.StartsWith("service.", StringComparison.Ordinal) || kv.Key.StartsWith("tokensim.", StringComparison.Ordinal) || kv.Key == "host.name")
            .Select(kv => $"{kv.Key}={kv.Value}").DefaultIfEmpty("no service attributes"));
}
