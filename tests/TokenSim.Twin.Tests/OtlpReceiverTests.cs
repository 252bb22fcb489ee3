using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OtlpResource = OpenTelemetry.Proto.Resource.V1.Resource;
using OpenTelemetry.Proto.Trace.V1;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TokenSim.Contracts.V1;
using OtlpSpan = OpenTelemetry.Proto.Trace.V1.Span;

namespace TokenSim.Twin.Tests;

/// <summary>
/// vLLM-shaped <c>llm_request</c> spans sent by the OpenTelemetry .NET SDK's OTLP exporter (a real exporter, over
/// gRPC and http/protobuf) to a server process, and malformed exports, each rejected with a counted reason.
/// </summary>
public sealed class OtlpReceiverTests(OtlpServerProcess server) : IClassFixture<OtlpServerProcess>
{
    /// <summary>One request as vLLM's frontend reports it (VLLM-TELEMETRY.md §1.3).</summary>
    private sealed record VllmRequest(string Id, DateTimeOffset Arrival, int Prompt, int Completion, double Ttft, double E2e, double Queue, double Prefill, double Decode, int? MaxTokens = null);

    private static TracerProvider Provider(ActivitySource source, OtlpExportProtocol protocol, string endpoint, params KeyValuePair<string, object>[] resource) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddAttributes([.. resource, new("vllm.instrumenting_module_name", "vllm.llm_engine")]))
            .AddOtlpExporter(o => { o.Protocol = protocol; o.Endpoint = new Uri(endpoint); })
            .Build()!;

    private static void Emit(ActivitySource source, VllmRequest r)
    {
        using var a = source.StartActivity("llm_request", ActivityKind.Server, default(ActivityContext), startTime: r.Arrival)!;
        a.SetTag("gen_ai.request.id", r.Id);
        a.SetTag("gen_ai.usage.prompt_tokens", r.Prompt);
        a.SetTag("gen_ai.usage.completion_tokens", r.Completion);
        a.SetTag("gen_ai.latency.time_to_first_token", r.Ttft);
        a.SetTag("gen_ai.latency.e2e", r.E2e);
        a.SetTag("gen_ai.latency.time_in_queue", r.Queue);
        a.SetTag("gen_ai.latency.time_in_model_prefill", r.Prefill);
        a.SetTag("gen_ai.latency.time_in_model_decode", r.Decode);
        a.SetTag("gen_ai.latency.time_in_model_inference", r.Prefill + r.Decode);
        if (r.MaxTokens is { } m) a.SetTag("gen_ai.request.max_tokens", m);
        a.SetTag("gen_ai.request.n", 1);
        a.SetEndTime(r.Arrival.AddSeconds(r.E2e).UtcDateTime);
    }

    private async Task<AccuracyReport> Accuracy(string deployment) =>
        await new Deployments.DeploymentsClient(server.Channel).GetAccuracyAsync(new GetAccuracyRequest { Deployment = deployment });

    private async Task Register(string name) =>
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec { Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline", Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 } },
        });

    private async Task<double> Metric(string series)
    {
        var line = (await server.MetricsTextAsync()).Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AssertObserved(RequestAccuracy a, VllmRequest r, int replica)
    {
        Assert.Equal(replica, a.Replica);
        Assert.Equal(r.Prompt, a.PromptTokens);
        Assert.Equal(r.Completion, a.ObservedOutputTokens);
        Assert.Equal(r.Ttft, a.ObservedTtftS, 9);
        Assert.Equal(r.E2e, a.ObservedE2ES, 9);
        Assert.Equal(r.Decode / (r.Completion - 1), a.ObservedTpotS, 9);
        Assert.Equal((r.Queue, r.Prefill, r.Decode), (a.ObservedQueueS, a.ObservedPrefillS, a.ObservedDecodeS));
        Assert.Equal(1, a.Spans);
    }

    [Fact]
    public async Task GrpcExporter_SpanOnlyRequests_BecomeObservedOutcomesOfTheRuleMappedReplicas()
    {
        var t0 = DateTimeOffset.UtcNow.AddSeconds(-30);
        VllmRequest[] r0 = [new("chatcmpl-a1", t0, 812, 128, 0.091, 3.42, 0.004, 0.087, 3.329, 512), new("cmpl-a2", t0.AddSeconds(1.5), 64, 16, 0.021, 0.52, 0.001, 0.02, 0.499)];
        VllmRequest[] r1 = [new("chatcmpl-b1", t0.AddSeconds(0.25), 2000, 300, 0.31, 9.75, 0.05, 0.26, 9.44, 1024)];
        double applied = await Metric("tokensim_otlp_spans_total{transport=\"grpc\",outcome=\"applied\"}");
        using var source = new ActivitySource($"vllm.tracing.otel.{Guid.NewGuid():N}");
        using (var p0 = Provider(source, OtlpExportProtocol.Grpc, $"http://127.0.0.1:{server.GrpcPort}", new("service.name", "vllm"), new("service.instance.id", "replica-0")))
        {
            foreach (var r in r0) Emit(source, r);
            Assert.True(p0.ForceFlush(10_000));
        }
        using (var p1 = Provider(source, OtlpExportProtocol.Grpc, $"http://127.0.0.1:{server.GrpcPort}", new("service.name", "vllm"), new("service.instance.id", "replica-1")))
        {
            foreach (var r in r1) Emit(source, r);
            Assert.True(p1.ForceFlush(10_000));
        }
        var report = await Accuracy("otlp-rules");
        var byId = report.Requests.ToDictionary(x => x.RequestId);
        AssertObserved(byId["chatcmpl-a1"], r0[0], 0);
        AssertObserved(byId["cmpl-a2"], r0[1], 0);
        AssertObserved(byId["chatcmpl-b1"], r1[0], 1);
        // Nothing arrived through the twin, so nothing was predicted: the outcome is recorded as observed only.
        Assert.All(report.Requests, a => Assert.False(a.ArrivalObserved || a.HasPredictedTtftS));
        Assert.Equal(applied + 3, await Metric("tokensim_otlp_spans_total{transport=\"grpc\",outcome=\"applied\"}"));
        Assert.Contains("tokensim_events_ingested_total{deployment=\"otlp-rules\",type=\"request_observed\",outcome=\"applied\"} 3", await server.MetricsTextAsync());
    }

    [Fact]
    public async Task HttpProtobufExporter_SpanOfAGatewayKnownRequest_ClosesItAndScoresItsPrediction()
    {
        await Register("otlp-http");
        var t0 = DateTimeOffset.UtcNow.AddSeconds(-20);
        // The gateway saw the request arrive (X-Request-Id: g1), so the twin predicted it; vLLM's span calls it chatcmpl-g1.
        var ack = await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest
        {
            Events =
            {
                new Event { EventId = "g1-arrived", Deployment = "otlp-http", Replica = 1, ProducedAt = Timestamp.FromDateTimeOffset(t0), RequestArrived = new RequestArrived { RequestId = "g1", PromptTokens = 500, MaxTokens = 200 } },
            },
        });
        Assert.Equal(1, ack.Applied);
        var g1 = new VllmRequest("chatcmpl-g1", t0, 500, 120, 0.05, 2.5, 0.003, 0.047, 2.45, 200);
        var s1 = new VllmRequest("chatcmpl-s1", t0.AddSeconds(1), 100, 10, 0.02, 0.3, 0.001, 0.019, 0.28);
        using var source = new ActivitySource($"vllm.tracing.otel.{Guid.NewGuid():N}");
        using (var p = Provider(source, OtlpExportProtocol.HttpProtobuf, $"http://127.0.0.1:{server.MetricsPort}/v1/traces",
                   new("service.name", "unknown_service"), new("tokensim.deployment", "otlp-http"), new("tokensim.replica", 1)))
        {
            Emit(source, g1);
            Emit(source, s1);
            Assert.True(p.ForceFlush(10_000));
        }
        var report = await Accuracy("otlp-http");
        Assert.Equal(["g1", "chatcmpl-s1"], report.Requests.Select(a => a.RequestId));
        var known = report.Requests[0];
        AssertObserved(known, g1 with { Ttft = 0.05 }, 1);
        Assert.True(known.ArrivalObserved);
        Assert.True(known.HasPredictedTtftS && known.PredictedTtftS > 0);
        Assert.False(report.Requests[1].ArrivalObserved);
        // A second span for a request that has its span (vLLM's n > 1 children share an id) is invalid, and counted.
        double invalid = await Metric("tokensim_source_rejected_total{source=\"otlp\",reason=\"invalid\"}");
        using (var p = Provider(source, OtlpExportProtocol.HttpProtobuf, $"http://127.0.0.1:{server.MetricsPort}/v1/traces", new("tokensim.deployment", "otlp-http"), new("tokensim.replica", 1)))
        {
            Emit(source, g1);
            Assert.True(p.ForceFlush(10_000));
        }
        Assert.Equal(2, (await Accuracy("otlp-http")).Requests.Count);
        Assert.Equal(invalid + 1, await Metric("tokensim_source_rejected_total{source=\"otlp\",reason=\"invalid\"}"));
    }

    private static KeyValue Kv(string key, object value) => new()
    {
        Key = key,
        Value = value switch
        {
            string s => new AnyValue { StringValue = s },
            int i => new AnyValue { IntValue = i },
            double d => new AnyValue { DoubleValue = d },
            _ => throw new ArgumentException(key),
        },
    };

    private static OtlpSpan RawSpan(string name, ulong startNanos, params KeyValue[] attributes)
    {
        var s = new OtlpSpan
        {
            Name = name, Kind = OtlpSpan.Types.SpanKind.Server, StartTimeUnixNano = startNanos, EndTimeUnixNano = startNanos + 1_000_000_000,
            TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()), SpanId = ByteString.CopyFrom(BitConverter.GetBytes(Random.Shared.NextInt64())),
        };
        s.Attributes.Add(attributes);
        return s;
    }

    private static KeyValue[] Good(string id) =>
        [Kv("gen_ai.request.id", id), Kv("gen_ai.usage.prompt_tokens", 100), Kv("gen_ai.usage.completion_tokens", 20), Kv("gen_ai.latency.e2e", 1.0), Kv("gen_ai.latency.time_to_first_token", 0.1)];

    [Fact]
    public async Task MalformedSpans_AreRejectedWithCountedReasons_AndTheRestIsApplied()
    {
        await Register("otlp-bad");
        ulong t = (ulong)DateTimeOffset.UtcNow.AddSeconds(-10).ToUnixTimeMilliseconds() * 1_000_000;
        var mapped = new ResourceSpans { Resource = new OtlpResource { Attributes = { Kv("tokensim.deployment", "otlp-bad") } } };
        var boot = RawSpan("Load model", t, Kv("code.function", "load_model"));
        boot.Kind = OtlpSpan.Types.SpanKind.Internal;
        mapped.ScopeSpans.Add(new ScopeSpans
        {
            Scope = new InstrumentationScope { Name = "vllm.tracing.otel" },
            Spans =
            {
                RawSpan("llm_request", t, Good("ok-1")),
                RawSpan("llm_request", t, Kv("gen_ai.request.id", "no-prompt"), Kv("gen_ai.usage.completion_tokens", 2), Kv("gen_ai.latency.e2e", 1.0)),
                RawSpan("llm_request", t, [.. Good("text-prompt").Where(k => k.Key != "gen_ai.usage.prompt_tokens"), Kv("gen_ai.usage.prompt_tokens", "many")]),
                RawSpan("llm_request", t, [.. Good("negative").Where(k => k.Key != "gen_ai.latency.e2e"), Kv("gen_ai.latency.e2e", -1.0)]),
                boot,
                RawSpan("GET /health", t),
            },
        });
        var unmapped = new ResourceSpans { Resource = new OtlpResource { Attributes = { Kv("service.name", "somewhere-else") } } };
        unmapped.ScopeSpans.Add(new ScopeSpans { Spans = { RawSpan("llm_request", t, Good("stray")) } });
        var request = new ExportTraceServiceRequest { ResourceSpans = { mapped, unmapped } };
        var before = await server.MetricsTextAsync();
        var reply = await new TraceService.TraceServiceClient(server.Channel).ExportAsync(request);
        Assert.Equal(4, reply.PartialSuccess.RejectedSpans);
        Assert.Contains("the llm_request span has no gen_ai.usage.prompt_tokens", reply.PartialSuccess.ErrorMessage);
        Assert.Contains("gen_ai.usage.prompt_tokens must be an integer (got the string 'many')", reply.PartialSuccess.ErrorMessage);
        Assert.Equal(["ok-1"], (await Accuracy("otlp-bad")).Requests.Select(a => a.RequestId));
        // The exporter retries the same export: the good span is a duplicate, the bad ones are rejected again.
        double duplicates = await Metric("tokensim_otlp_spans_total{transport=\"grpc\",outcome=\"duplicate\"}");
        var again = await new TraceService.TraceServiceClient(server.Channel).ExportAsync(request);
        Assert.Equal(4, again.PartialSuccess.RejectedSpans);
        Assert.Equal(duplicates + 1, await Metric("tokensim_otlp_spans_total{transport=\"grpc\",outcome=\"duplicate\"}"));
        Assert.Single((await Accuracy("otlp-bad")).Requests);
        var after = await server.MetricsTextAsync();
        foreach (var reason in new[] { "missing_attribute", "bad_attribute_type", "bad_value", "unmapped_resource" })
            Assert.Equal(Count(before, reason) + 2, Count(after, reason));
        var bootJson = await new HttpClient().GetStringAsync($"http://127.0.0.1:{server.MetricsPort}/sources/boot");
        Assert.Contains("\"name\":\"Load model\"", bootJson);
        Assert.Contains("tokensim_boot_span_duration_seconds{deployment=\"otlp-bad\",replica=\"0\",span=\"Load model\"} 1", after);
    }

    private static double Count(string metrics, string reason)
    {
        string series = $"tokensim_source_rejected_total{{source=\"otlp\",reason=\"{reason}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[series.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task MalformedPayloads_AreAnsweredAsErrors_AndCounted_OverBothTransports()
    {
        var before = await server.MetricsTextAsync();
        using var http = new HttpClient();
        var garbage = new ByteArrayContent([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        var bad = await http.PostAsync($"http://127.0.0.1:{server.MetricsPort}/v1/traces", garbage);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var json = new StringContent("{\"resourceSpans\":[]}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.PostAsync($"http://127.0.0.1:{server.MetricsPort}/v1/traces", json)).StatusCode);
        // A gRPC frame whose message is not an ExportTraceServiceRequest.
        byte[] frame = [0, 0, 0, 0, 3, 0x0a, 0x05, 0x01];
        var grpc = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.GrpcPort}/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(frame),
        };
        grpc.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var reply = await http.SendAsync(grpc);
        await reply.Content.ReadAsByteArrayAsync();
        string status = reply.Headers.TryGetValues("grpc-status", out var v) ? v.Single() : reply.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal("3", status);
        var after = await server.MetricsTextAsync();
        Assert.Equal(Count(before, "malformed_payload") + 2, Count(after, "malformed_payload"));
        Assert.Equal(Count(before, "unsupported_content_type") + 1, Count(after, "unsupported_content_type"));
        // Nothing else is lost: the receiver still takes a good export.
        await Register("otlp-after-bad");
        ulong t = (ulong)DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds() * 1_000_000;
        var rs = new ResourceSpans { Resource = new OtlpResource { Attributes = { Kv("tokensim.deployment", "otlp-after-bad") } } };
        rs.ScopeSpans.Add(new ScopeSpans { Spans = { RawSpan("llm_request", t, Good("fine")) } });
        var ok = await new TraceService.TraceServiceClient(server.Channel).ExportAsync(new ExportTraceServiceRequest { ResourceSpans = { rs } });
        Assert.Null(ok.PartialSuccess);
        Assert.Equal(["fine"], (await Accuracy("otlp-after-bad")).Requests.Select(a => a.RequestId));
    }

    [Fact]
    public async Task GzipCompressedExports_AreAcceptedOverBothTransports()
    {
        await Register("otlp-gzip");
        ulong t = (ulong)DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds() * 1_000_000;
        ExportTraceServiceRequest Export(string id)
        {
            var rs = new ResourceSpans { Resource = new OtlpResource { Attributes = { Kv("tokensim.deployment", "otlp-gzip") } } };
            rs.ScopeSpans.Add(new ScopeSpans { Spans = { RawSpan("llm_request", t, Good(id)) } });
            return new ExportTraceServiceRequest { ResourceSpans = { rs } };
        }
        // Grpc.Net.Client compresses the request message when asked to through this header.
        var grpc = await new TraceService.TraceServiceClient(server.Channel).ExportAsync(Export("zipped-grpc"), new Grpc.Core.Metadata { { "grpc-internal-encoding-request", "gzip" } });
        Assert.Null(grpc.PartialSuccess);
        using var zipped = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(zipped, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) Export("zipped-http").WriteTo(gz);
        var content = new ByteArrayContent(zipped.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"http://127.0.0.1:{server.MetricsPort}/v1/traces", content)).StatusCode);
        Assert.Equal(["zipped-grpc", "zipped-http"], (await Accuracy("otlp-gzip")).Requests.Select(a => a.RequestId).Order());
    }
}
