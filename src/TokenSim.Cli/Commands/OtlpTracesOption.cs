using System.CommandLine;
using TokenSim.Core.Simulation;
using TokenSim.Emulator;

namespace TokenSim.Cli.Commands;

/// <summary>
/// vLLM's <c>--otlp-traces-endpoint</c> for <c>tokensim emulate</c>: off unless given; when given, each replica
/// exports its <c>llm_request</c> spans there, by the protocol <c>OTEL_EXPORTER_OTLP_TRACES_PROTOCOL</c> names.
/// </summary>
internal sealed class OtlpTracesOption
{
    public Option<string?> Endpoint { get; } = new(OtlpTracesTarget.EndpointFlag)
    {
        Description = "Export one OpenTelemetry llm_request span per finished request, as vLLM does: OTLP gRPC (default, e.g. grpc://host:4317) " +
            "or, with OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf, the full URL (e.g. http://host:4318/v1/traces). Off by default.",
    };

    /// <summary>Validates the endpoint and protocol now, so a bad value fails at start-up with one line.</summary>
    public Exporters Read(ParseResult parse) =>
        new(parse.GetValue(Endpoint) is { } url ? OtlpTracesTarget.FromEnvironment(url) : null);

    /// <summary>The span exporters made for the replicas; disposing flushes what is queued.</summary>
    public sealed class Exporters(OtlpTracesTarget? target) : IDisposable
    {
        private readonly List<RequestSpans> _made = [];

        public ISimulationObserver[] For(string replicaName)
        {
            if (target is null) return [];
            var spans = RequestSpans.Otlp(replicaName, target);
            _made.Add(spans);
            return [spans];
        }

        public void Dispose()
        {
            foreach (var s in _made) s.Dispose();
        }
    }
}
