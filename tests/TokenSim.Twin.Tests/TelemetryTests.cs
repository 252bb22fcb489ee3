using System.Text;
using Google.Protobuf.WellKnownTypes;
using OpenTelemetry.Proto.Trace.V1;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>The server with the standard OTLP variables set exports gRPC and grain spans, and metrics, to that endpoint.</summary>
public sealed class TelemetryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    [Fact]
    public async Task OtlpEndpointSet_GrpcAndGrainSpansArriveInOneTrace()
    {
        using var receiver = new OtlpHttpReceiver();
        var server = new ServerProcess();
        server.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
        server.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        server.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";           // spans batched for 0.2 s, not 5
        server.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";      // metrics every second, not every minute
        try
        {
            await server.InitializeAsync();
            await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
            {
                Spec = new DeploymentSpec { Name = "traced", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline" },
            });
            var arrived = new Event { EventId = "a", Deployment = "traced", Replica = 1, ProducedAt = Timestamp.FromDateTimeOffset(T0) };
            arrived.RequestArrived = new RequestArrived { RequestId = "r1", PromptTokens = 100, MaxTokens = 10 };
            var ack = await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest { Events = { arrived } });
            Assert.Equal(1, ack.Applied);

            static Span? Ingest(OtlpHttpReceiver r) => r.Spans.FirstOrDefault(s => s.Kind == Span.Types.SpanKind.Server && s.Name.Contains("tokensim.v1.Ingest/IngestBatch"));
            static bool Grain(OtlpHttpReceiver r, Span ingest, string iface) => r.Spans.Any(s => s.TraceId == ingest.TraceId && s.Name.Contains(iface));
            bool arrivedAll = await receiver.WaitAsync(r => Ingest(r) is { } i && Grain(r, i, "IDeploymentTwinGrain") && Grain(r, i, "IReplicaTwinGrain"));
            var names = string.Join(", ", receiver.Spans.Select(s => $"{s.Kind} {s.Name}").Distinct());
            output.WriteLine($"spans: {names}");
            Assert.True(arrivedAll, $"spans received: {names}");
            // No span for the scrape port: only gRPC calls are traced.
            Assert.DoesNotContain(receiver.Spans, s => s.Name.Contains("/metrics"));

            // Metrics: ASP.NET Core's request duration and Orleans' own instruments, as OTLP/HTTP protobuf.
            bool metrics = await receiver.WaitAsync(r => r.Other.Any(o => o.Path == "/v1/metrics" && Has(o.Body, "http.server.request.duration") && Has(o.Body, "orleans")));
            Assert.True(metrics, $"metric exports received: {receiver.Other.Count(o => o.Path == "/v1/metrics")}");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static bool Has(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
