using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Resource.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace TokenSim.Bench.Spans;

/// <summary>
/// Exports of vLLM-shaped <c>llm_request</c> spans (VLLM-TELEMETRY.md §1.3): every attribute vLLM 0.19 sets, a unique
/// request id and span id each, spread round-robin over the deployment's replicas (one ResourceSpans per replica,
/// mapped by <c>tokensim.deployment</c> / <c>tokensim.replica</c>). Requests arrive at 20 per second per replica of
/// production time, prompts 128–1024 tokens, outputs 16–256, latencies those of a lightly loaded 8B model.
/// </summary>
internal sealed class SpanGenerator(string deployment, int replicas, int lane)
{
    private readonly Random _random = new(lane);
    private long _next;
    private double _clock = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 60;

    public ExportTraceServiceRequest Next(int spans)
    {
        var request = new ExportTraceServiceRequest();
        var byReplica = new ScopeSpans[replicas];
        for (int r = 0; r < replicas; r++)
        {
            var rs = new ResourceSpans { Resource = new Resource() };
            rs.Resource.Attributes.Add(Kv("service.name", "vllm"));
            rs.Resource.Attributes.Add(Kv("vllm.instrumenting_module_name", "vllm.llm_engine"));
            rs.Resource.Attributes.Add(Kv("tokensim.deployment", deployment));
            rs.Resource.Attributes.Add(Kv("tokensim.replica", (long)r));
            byReplica[r] = new ScopeSpans { Scope = new InstrumentationScope { Name = "vllm.tracing.otel" } };
            rs.ScopeSpans.Add(byReplica[r]);
            request.ResourceSpans.Add(rs);
        }
        for (int i = 0; i < spans; i++)
        {
            long n = _next++;
            _clock += 1.0 / (20 * replicas);
            int prompt = _random.Next(128, 1025), output = _random.Next(16, 257);
            double queue = 0.002, prefill = 0.02 + 0.00006 * prompt, decode = 0.025 * (output - 1);
            double ttft = queue + prefill + 0.003, e2e = ttft + decode + 0.002;
            ulong start = (ulong)(_clock * 1e9);
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(Id(16, n)), SpanId = ByteString.CopyFrom(Id(8, n)), Name = "llm_request", Kind = Span.Types.SpanKind.Server,
                StartTimeUnixNano = start, EndTimeUnixNano = start + (ulong)(e2e * 1e9),
            };
            span.Attributes.Add(Kv("gen_ai.request.id", $"chatcmpl-{lane}-{n}"));
            span.Attributes.Add(Kv("gen_ai.usage.prompt_tokens", (long)prompt));
            span.Attributes.Add(Kv("gen_ai.usage.completion_tokens", (long)output));
            span.Attributes.Add(Kv("gen_ai.latency.time_to_first_token", ttft));
            span.Attributes.Add(Kv("gen_ai.latency.e2e", e2e));
            span.Attributes.Add(Kv("gen_ai.latency.time_in_queue", queue));
            span.Attributes.Add(Kv("gen_ai.latency.time_in_model_prefill", prefill));
            span.Attributes.Add(Kv("gen_ai.latency.time_in_model_decode", decode));
            span.Attributes.Add(Kv("gen_ai.latency.time_in_model_inference", prefill + decode));
            span.Attributes.Add(Kv("gen_ai.request.max_tokens", 512L));
            span.Attributes.Add(Kv("gen_ai.request.temperature", 0.7));
            span.Attributes.Add(Kv("gen_ai.request.top_p", 0.9));
            span.Attributes.Add(Kv("gen_ai.request.n", 1L));
            byReplica[(int)(n % replicas)].Spans.Add(span);
        }
        return request;
    }

    /// <summary>A trace or span id unique to this lane and span number.</summary>
    private byte[] Id(int bytes, long n)
    {
        var id = new byte[bytes];
        BitConverter.TryWriteBytes(id.AsSpan(0, 8), n);
        if (bytes > 8) BitConverter.TryWriteBytes(id.AsSpan(8, 4), lane);
        else id[7] ^= (byte)(lane * 31 + 1);
        return id;
    }

    private static KeyValue Kv(string key, string v) => new() { Key = key, Value = new AnyValue { StringValue = v } };
    private static KeyValue Kv(string key, long v) => new() { Key = key, Value = new AnyValue { IntValue = v } };
    private static KeyValue Kv(string key, double v) => new() { Key = key, Value = new AnyValue { DoubleValue = v } };
}
