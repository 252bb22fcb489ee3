using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace TokenSim.Twin.Tests;

/// <summary>With an API key, both OTLP receivers refuse an export without it, as the gRPC services do.</summary>
public sealed class OtlpApiKeyTests(KeyedServerProcess server) : IClassFixture<KeyedServerProcess>
{
    [Fact]
    public async Task GrpcExport_WithoutKey_IsUnauthenticated_WithKeyIsServed()
    {
        var client = new TraceService.TraceServiceClient(server.Channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(new ExportTraceServiceRequest()));
        Assert.Equal((StatusCode.Unauthenticated, "this server requires an API key in the 'x-api-key' header"), (e.StatusCode, e.Status.Detail));
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(new ExportTraceServiceRequest(), server.Headers("guess")));
        Assert.Equal((StatusCode.Unauthenticated, "the API key in 'x-api-key' is not valid"), (wrong.StatusCode, wrong.Status.Detail));
        Assert.Null((await client.ExportAsync(new ExportTraceServiceRequest(), server.Headers(KeyedServerProcess.Key))).PartialSuccess);
    }

    [Fact]
    public async Task HttpExport_WithoutKey_Is401_WithKeyIs200()
    {
        using var http = new HttpClient();
        HttpRequestMessage Post(string? key)
        {
            var m = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.MetricsPort}/v1/traces") { Content = new ByteArrayContent(new ExportTraceServiceRequest().ToByteArray()) };
            m.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            if (key is not null) m.Headers.Add("x-api-key", key);
            return m;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post(null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post("guess"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Post(KeyedServerProcess.Key))).StatusCode);
    }
}
