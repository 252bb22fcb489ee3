using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Trace.V1;
using TokenSim.Server.Extensions;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// OTLP trace receivers: <c>POST /v1/traces</c> (OTLP/HTTP, protobuf) on the HTTP port, answered here, and
/// <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> (OTLP/gRPC) on the gRPC port, which is
/// <see cref="OtlpTraceService"/>. Both parse and answer an export the same way.
/// </summary>
public static class OtlpEndpoints
{
    public const string HttpPath = "/v1/traces";
    /// <summary>Largest export accepted over either transport (after decompression): vLLM's batches of 512 spans are well under 1 MiB.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    public static WebApplication MapOtlpReceivers(this WebApplication app, ServerSettings settings)
    {
        app.MapPost(HttpPath, (HttpContext ctx, OtlpIngest ingest, SourceMetrics metrics, TimeProvider time) => HttpAsync(ctx, ingest, metrics, time, settings)).RequireHost($"*:{settings.MetricsPort}");
        app.MapGrpcService<OtlpTraceService>().RequireHost($"*:{settings.GrpcPort}");
        return app;
    }

    private static string? KeyRefusal(HttpContext ctx, ServerSettings settings) => ApiKeyCheck.Refusal(settings.ApiKey, ctx.Request.Headers[ApiKeyCheck.Header]);

    private static async Task HttpAsync(HttpContext ctx, OtlpIngest ingest, SourceMetrics metrics, TimeProvider time, ServerSettings settings)
    {
        long started = time.GetTimestamp();
        if (KeyRefusal(ctx, settings) is { } refusal)
        {
            await HttpError(ctx, 401, 16, refusal);
            return;
        }
        string type = ctx.Request.ContentType?.Split(';')[0].Trim() ?? "";
        if (!type.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            metrics.Reject("otlp", "unsupported_content_type");
            await HttpError(ctx, 415, 3, $"Content-Type must be application/x-protobuf (got '{type}'); OTLP/JSON is not accepted");
            return;
        }
        string encoding = ctx.Request.Headers.ContentEncoding.ToString();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            metrics.Reject("otlp", "unsupported_encoding");
            await HttpError(ctx, 415, 3, $"Content-Encoding '{encoding}' is not supported (gzip or none)");
            return;
        }
        var body = await ReadAsync(encoding == "gzip" ? new GZipStream(ctx.Request.Body, CompressionMode.Decompress) : ctx.Request.Body);
        if (body.Problem is { } problem)
        {
            metrics.Reject("otlp", problem.Reason);
            await HttpError(ctx, problem.Reason == "too_large" ? 413 : 400, 3, problem.Detail);
            return;
        }
        if (!TryParse(body.Bytes!, out var request, out var error))
        {
            metrics.Reject("otlp", "malformed_payload");
            await HttpError(ctx, 400, 3, error);
            return;
        }
        var result = await ingest.ExportAsync(request, "http");
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/x-protobuf";
        await ctx.Response.Body.WriteAsync(Response(result).ToByteArray());
        metrics.Export("http", time.GetElapsedTime(started).TotalSeconds);
    }

    internal static ExportTraceServiceResponse Response(OtlpIngest.Result result) =>
        result.Rejected == 0 ? new ExportTraceServiceResponse()
            : new ExportTraceServiceResponse { PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = result.Rejected, ErrorMessage = result.ErrorMessage } };

    internal static bool TryParse(ReadOnlyMemory<byte> bytes, [NotNullWhen(true)] out ExportTraceServiceRequest? request, out string error)
    {
        try
        {
            request = ExportTraceServiceRequest.Parser.ParseFrom(bytes.Span);
            error = "";
            return true;
        }
        catch (InvalidProtocolBufferException e)
        {
            request = null;
            error = $"the body is not an OTLP ExportTraceServiceRequest: {e.Message}";
            return false;
        }
    }

    private readonly record struct Body(byte[]? Bytes, SpanConverter.Rejection? Problem);

    private static async Task<Body> ReadAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk)) > 0)
            {
                if (buffer.Length + n > MaxBytes) return new Body(null, new("too_large", $"the export is over {MaxBytes} bytes; lower the exporter's batch size"));
                buffer.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            return new Body(null, new("malformed_payload", $"the body is not valid gzip: {e.Message}"));
        }
        return new Body(buffer.ToArray(), null);
    }

    /// <summary>An OTLP/HTTP error: the status code and a google.rpc.Status (code, message) as protobuf, as the spec asks.</summary>
    private static async Task HttpError(HttpContext ctx, int http, int grpcCode, string message)
    {
        ctx.Response.StatusCode = http;
        ctx.Response.ContentType = "application/x-protobuf";
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteInt32(grpcCode);
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        o.WriteString(message);
        o.Flush();
        await ctx.Response.Body.WriteAsync(ms.ToArray());
    }
}
