using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace TokenSim.Server.Sources.Otlp;

/// <summary>
/// An OTLP/gRPC export's message as it came, not yet parsed. Its marshaller never fails, so the request reaches the
/// service (after the API-key check) even when the bytes are not an <see cref="ExportTraceServiceRequest"/>; the
/// service then parses it, and answers and counts a bad one itself, which it could not if deserializing threw.
/// </summary>
public sealed class OtlpExportBody(byte[] bytes)
{
    public static readonly Marshaller<OtlpExportBody> Marshaller = new(
        (body, context) => context.Complete(body.Bytes),
        context => new OtlpExportBody(context.PayloadAsNewBuffer()));

    /// <summary>The message after decompression (gRPC's framing and <c>grpc-encoding</c> are the transport's).</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>The export, or false with one line saying why the bytes are not one.</summary>
    public bool TryParse([NotNullWhen(true)] out ExportTraceServiceRequest? request, out string error) => OtlpEndpoints.TryParse(Bytes, out request, out error);
}
