using OpenTelemetry.Exporter;

namespace TokenSim.Emulator;

/// <summary>
/// Where and how request spans go, read as vLLM reads them: <c>--otlp-traces-endpoint</c> and
/// <c>OTEL_EXPORTER_OTLP_TRACES_PROTOCOL</c> (<c>grpc</c>, the default, or <c>http/protobuf</c>; anything else is
/// an error at start-up).
/// </summary>
public sealed record OtlpTracesTarget(Uri Endpoint, OtlpExportProtocol Protocol)
{
    public const string EndpointFlag = "--otlp-traces-endpoint";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";

    /// <param name="protocol">The variable's value, or null when unset.</param>
    public static OtlpTracesTarget Parse(string endpoint, string? protocol)
    {
        var p = protocol switch
        {
            null or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            _ => throw new ArgumentException($"{ProtocolVariable} must be grpc or http/protobuf (got '{protocol}')."),
        };
        string url = endpoint.Trim();
        // Python's gRPC exporter takes a bare host:port and vLLM's docs write grpc://host:4317; both mean plaintext HTTP/2.
        if (p == OtlpExportProtocol.Grpc)
        {
            if (url.StartsWith("grpc://", StringComparison.OrdinalIgnoreCase)) url = "http://" + url["grpc://".Length..];
            else if (!url.Contains("://", StringComparison.Ordinal)) url = "http://" + url;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new ArgumentException($"{EndpointFlag} must be an http:// or https:// URL{(p == OtlpExportProtocol.Grpc ? " (or grpc://host:port, or host:port)" : " with the full path, e.g. http://host:4318/v1/traces")} (got '{endpoint}').");
        return new OtlpTracesTarget(uri, p);
    }

    /// <summary>Reads the protocol from the environment, as vLLM does.</summary>
    public static OtlpTracesTarget FromEnvironment(string endpoint) => Parse(endpoint, Environment.GetEnvironmentVariable(ProtocolVariable));

    /// <summary>Exporter options: an endpoint set here is used as given (no <c>/v1/traces</c> appended), as in vLLM.</summary>
    internal OtlpExporterOptions ExporterOptions() => new() { Endpoint = Endpoint, Protocol = Protocol };
}
