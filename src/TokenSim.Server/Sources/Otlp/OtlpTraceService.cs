using Google.Protobuf;
using Grpc.Core;
using OpenTelemetry.Proto.Collector.Trace.V1;
using TokenSim.Server.Metrics;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// The OTLP/gRPC trace receiver: the generated <see cref="TraceService.TraceServiceBase"/>, bound to
/// <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> through a method of its own whose request is the
/// unparsed <see cref="OtlpExportBody"/>. Grpc.AspNetCore frames the call (length prefix, gzip, status trailers) and
/// the server's interceptors apply (the API key first); a message that is not an OTLP export is answered
/// INVALID_ARGUMENT and counted <c>malformed_payload</c> here, which a service bound to the generated method, whose
/// deserializer throws, never sees.
/// </summary>
[BindServiceMethod(typeof(OtlpTraceService), nameof(BindService))]
public class OtlpTraceService(OtlpIngest ingest, SourceMetrics metrics, TimeProvider time) : TraceService.TraceServiceBase
{
    public static readonly Method<OtlpExportBody, ExportTraceServiceResponse> ExportMethod = new(
        MethodType.Unary, TraceService.Descriptor.FullName, "Export", OtlpExportBody.Marshaller,
        Marshallers.Create(r => r.ToByteArray(), ExportTraceServiceResponse.Parser.ParseFrom));

    /// <summary>Binds <see cref="Export(OtlpExportBody, ServerCallContext)"/>, as generated code binds its own methods.</summary>
    public static void BindService(ServiceBinderBase binder, OtlpTraceService? service) =>
        binder.AddMethod(ExportMethod, service is null ? null! : new UnaryServerMethod<OtlpExportBody, ExportTraceServiceResponse>(service.Export));

    /// <summary>One export as it came off the wire: parsed here, so a bad one is answered and counted.</summary>
    public virtual async Task<ExportTraceServiceResponse> Export(OtlpExportBody body, ServerCallContext context)
    {
        long started = time.GetTimestamp();
        if (!body.TryParse(out var request, out var error))
        {
            metrics.Reject("otlp", "malformed_payload");
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        var reply = await Export(request, context);
        metrics.Export("grpc", time.GetElapsedTime(started).TotalSeconds);
        return reply;
    }

    public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
        OtlpEndpoints.Response(await ingest.ExportAsync(request, "grpc"));
}
