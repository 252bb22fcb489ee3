using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// A vLLM <c>llm_request</c> span as the twin's <see cref="Twin.Abstractions.Events.RequestObserved"/> event (VLLM-TELEMETRY.md §1.3),
/// or the reason it cannot be one. The event is stamped at the request's finish (arrival + <c>gen_ai.latency.e2e</c>),
/// the moment production finished it; its id is the span's, so a retried export is a duplicate, not a second request.
/// </summary>
public static class SpanConverter
{
    public const string RequestSpan = "llm_request";

    /// <summary>A rejection: <see cref="Reason"/> is the metric label, <see cref="Detail"/> says which span and field.</summary>
    public readonly record struct Rejection(string Reason, string Detail);

    public static (TwinEvent? Event, Rejection? Problem) Convert(Span span, int replica)
    {
        if (span.SpanId.Length != 8 || span.TraceId.Length != 16)
            return (null, new("missing_span_id", $"span '{span.Name}' has a {span.TraceId.Length}-byte trace_id and a {span.SpanId.Length}-byte span_id (OTLP requires 16 and 8)"));
        string id = $"span:{System.Convert.ToHexStringLower(span.TraceId.Span)}{System.Convert.ToHexStringLower(span.SpanId.Span)}";
        // One pass over the attributes, no dictionary: an export carries hundreds of spans of a dozen attributes each.
        AnyValue? rid = null, promptV = null, completionV = null, maxV = null, e2eV = null, ttftV = null, queueV = null, prefillV = null, decodeV = null;
        foreach (var kv in span.Attributes)
        {
            switch (kv.Key)
            {
                case "gen_ai.request.id": rid = kv.Value; break;
                case "gen_ai.usage.prompt_tokens": promptV = kv.Value; break;
                case "gen_ai.usage.completion_tokens": completionV = kv.Value; break;
                case "gen_ai.request.max_tokens": maxV = kv.Value; break;
                case "gen_ai.latency.e2e": e2eV = kv.Value; break;
                case "gen_ai.latency.time_to_first_token": ttftV = kv.Value; break;
                case "gen_ai.latency.time_in_queue": queueV = kv.Value; break;
                case "gen_ai.latency.time_in_model_prefill": prefillV = kv.Value; break;
                case "gen_ai.latency.time_in_model_decode": decodeV = kv.Value; break;
            }
        }
        Rejection? problem = null;

        string? requestId = null;
        if (rid is null) problem = Missing(id, "gen_ai.request.id");
        else if (rid.ValueCase != AnyValue.ValueOneofCase.StringValue || rid.StringValue.Length is 0 or > 256)
            problem = new("bad_attribute_type", $"{id}: gen_ai.request.id must be a string of 1 to 256 characters");
        else requestId = rid.StringValue;
        long prompt = Int(promptV, "gen_ai.usage.prompt_tokens", id, required: true, ref problem) ?? 0;
        long completion = Int(completionV, "gen_ai.usage.completion_tokens", id, required: true, ref problem) ?? 0;
        long maxTokens = Int(maxV, "gen_ai.request.max_tokens", id, required: false, ref problem) ?? 0;
        double? e2e = Seconds(e2eV, "gen_ai.latency.e2e", id, required: true, ref problem);
        double? ttft = Seconds(ttftV, "gen_ai.latency.time_to_first_token", id, required: false, ref problem);
        double? queue = Seconds(queueV, "gen_ai.latency.time_in_queue", id, required: false, ref problem);
        double? prefill = Seconds(prefillV, "gen_ai.latency.time_in_model_prefill", id, required: false, ref problem);
        double? decode = Seconds(decodeV, "gen_ai.latency.time_in_model_decode", id, required: false, ref problem);
        if (problem is null && prompt < 1) problem = new("bad_value", $"{id}: gen_ai.usage.prompt_tokens must be at least 1 (got {prompt})");
        if (problem is null && (completion < 0 || completion > int.MaxValue)) problem = new("bad_value", $"{id}: gen_ai.usage.completion_tokens must be 0 or more (got {completion})");
        if (problem is null && (prompt > int.MaxValue || maxTokens < 0 || maxTokens > int.MaxValue)) problem = new("bad_value", $"{id}: token counts must fit a 32-bit integer");
        if (problem is null && span.StartTimeUnixNano == 0) problem = new("bad_timestamp", $"{id}: start_time_unix_nano is 0 (the request's arrival is unknown)");
        if (problem is { } p) return (null, p);

        double arrival = span.StartTimeUnixNano / 1e9;
        return (new Twin.Abstractions.Events.RequestObserved
        {
            EventId = id, Replica = replica, TimeSeconds = arrival + e2e!.Value,
            RequestId = requestId!, PromptTokens = (int)prompt, OutputTokens = (int)completion, MaxTokens = (int)maxTokens,
            E2eSeconds = e2e, TtftSeconds = ttft, QueueSeconds = queue, PrefillSeconds = prefill, DecodeSeconds = decode,
        }, null);
    }

    private static Rejection Missing(string id, string key) => new("missing_attribute", $"{id}: the llm_request span has no {key}");

    /// <summary>An integer attribute; a double with an integral value is accepted too.</summary>
    private static long? Int(AnyValue? v, string key, string id, bool required, ref Rejection? problem)
    {
        if (v is null) { if (required) problem ??= Missing(id, key); return null; }
        switch (v.ValueCase)
        {
            case AnyValue.ValueOneofCase.IntValue: return v.IntValue;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(v.DoubleValue) && v.DoubleValue == Math.Floor(v.DoubleValue) && Math.Abs(v.DoubleValue) < 1e15:
                return (long)v.DoubleValue;
            default:
                problem ??= new("bad_attribute_type", $"{id}: {key} must be an integer (got {Describe(v)})");
                return null;
        }
    }

    /// <summary>A duration attribute in seconds: a finite double (or integer) of 0 or more.</summary>
    private static double? Seconds(AnyValue? v, string key, string id, bool required, ref Rejection? problem)
    {
        if (v is null) { if (required) problem ??= Missing(id, key); return null; }
        double? d = v.ValueCase switch
        {
            AnyValue.ValueOneofCase.DoubleValue => v.DoubleValue,
            AnyValue.ValueOneofCase.IntValue => v.IntValue,
            _ => null,
        };
        if (d is null) { problem ??= new("bad_attribute_type", $"{id}: {key} must be a number of seconds (got {Describe(v)})"); return null; }
        if (!double.IsFinite(d.Value) || d.Value < 0) { problem ??= new("bad_value", $"{id}: {key} must be a duration of 0 s or more (got {d.Value})"); return null; }
        return d;
    }

    private static string Describe(AnyValue v) => v.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => $"the string '{(v.StringValue.Length > 32 ? v.StringValue[..32] + "…" : v.StringValue)}'",
        AnyValue.ValueOneofCase.None => "no value",
        var c => $"a {c}",
    };
}
