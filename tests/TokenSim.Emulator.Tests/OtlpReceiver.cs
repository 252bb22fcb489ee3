using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// A minimal OTLP trace receiver on loopback: OTLP/HTTP (<c>POST /v1/traces</c>, protobuf, HTTP/1.1) on one free port
/// and OTLP/gRPC (<c>TraceService/Export</c>, plaintext HTTP/2) on another. It keeps every export request, decoded.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Transport, ExportTraceServiceRequest Request)> _received;

    private OtlpReceiver(WebApplication app, ConcurrentQueue<(string, ExportTraceServiceRequest)> received, int httpPort, int grpcPort)
    {
        _app = app;
        _received = received;
        HttpBase = $"http://127.0.0.1:{httpPort}";
        GrpcBase = $"http://127.0.0.1:{grpcPort}";
    }

    public string HttpBase { get; }
    public string GrpcBase { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var received = new ConcurrentQueue<(string, ExportTraceServiceRequest)>();
        ListenOptions? http = null, grpc = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => (http = l).Protocols = HttpProtocols.Http1);
            // Plaintext gRPC is HTTP/2 with prior knowledge, which Kestrel serves only on an HTTP/2-only endpoint.
            k.Listen(IPAddress.Loopback, 0, l => (grpc = l).Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(received);
        var app = builder.Build();
        app.MapGrpcService<GrpcTraceService>();
        app.MapPost("/v1/traces", async ctx =>
        {
            if (ctx.Request.ContentType != "application/x-protobuf") { ctx.Response.StatusCode = 415; return; }
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            received.Enqueue(("http/protobuf", ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray())));
            ctx.Response.ContentType = "application/x-protobuf";
            await ctx.Response.Body.WriteAsync(new ExportTraceServiceResponse().ToByteArray());
        });
        await app.StartAsync();
        // Kestrel writes the port it bound back into the listen options.
        return new OtlpReceiver(app, received, http!.IPEndPoint!.Port, grpc!.IPEndPoint!.Port);
    }

    /// <summary>Waits until at least <paramref name="spans"/> spans have come in, then returns every export request so far.</summary>
    public async Task<List<(string Transport, ExportTraceServiceRequest Request)>> WaitForSpansAsync(int spans, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline && Count() < spans) await Task.Delay(20);
        return [.. _received];
    }

    private int Count() => _received.Sum(q => q.Request.ResourceSpans.Sum(rs => rs.ScopeSpans.Sum(ss => ss.Spans.Count)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class GrpcTraceService(ConcurrentQueue<(string, ExportTraceServiceRequest)> received) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            received.Enqueue(("grpc", request));
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}
