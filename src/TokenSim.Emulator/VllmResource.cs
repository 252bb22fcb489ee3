using OpenTelemetry.Resources;

namespace TokenSim.Emulator;

/// <summary>
/// The resource of vLLM's frontend tracer: the Python SDK's defaults (<c>service.name</c> <c>unknown_service</c>,
/// <c>telemetry.sdk.*</c>), then <c>OTEL_RESOURCE_ATTRIBUTES</c> and <c>OTEL_SERVICE_NAME</c>, then vLLM's own
/// <c>vllm.instrumenting_module_name</c> and <c>vllm.process_id</c>; plus the replica's name as
/// <c>service.instance.id</c> so spans from several replicas can be told apart.
/// </summary>
public static class VllmResource
{
    public const string DefaultServiceName = "unknown_service";
    public const string InstrumentingModule = "vllm.llm_engine";

    public static ResourceBuilder Builder(string replicaName) => ResourceBuilder.CreateEmpty()
        .AddAttributes([new("service.name", DefaultServiceName)])
        .AddTelemetrySdk()
        .AddEnvironmentVariableDetector()
        .AddAttributes(
        [
            new("service.instance.id", replicaName),
            new("vllm.instrumenting_module_name", InstrumentingModule),
            new("vllm.process_id", (long)Environment.ProcessId),
        ]);
}
