namespace TokenSim.Twin.Tests;

/// <summary>A server started with a sources file (<c>--sources</c>) holding <paramref name="yaml"/>, and <paramref name="extraArgs"/>.</summary>
public class SourcesServerProcess(string yaml, params string[] extraArgs) : ServerProcess(null, ["--sources", WriteSources(yaml), .. extraArgs])
{
    private static string WriteSources(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-sources-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}

/// <summary>
/// The OTLP tests' server: deployment <c>otlp-rules</c> (2 replicas) registered from its sources file, whose span
/// rules map <c>service.instance.id</c> replica-0 and replica-1 to its replicas.
/// </summary>
public sealed class OtlpServerProcess() : SourcesServerProcess("""
    spans:
      - match: {service.name: vllm, service.instance.id: replica-0}
        deployment: otlp-rules
        replica: 0
      - match: {service.name: vllm, service.instance.id: replica-1}
        deployment: otlp-rules
        replica: 1
    deployments:
      - name: otlp-rules
        spec: {model: llama-3.1-8b, hardware: a100-80g, replicas: 2, perf_model: roofline, engine: {kv_blocks: 2000, max_model_len: 4096}}
    """);
