namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// <see cref="PrometheusQueriesTests"/>' server: its sources file scrapes the two replicas of a <c>tokensim emulate</c>
/// that <see cref="TwinFeeds.EmulateAsync"/> starts later on <see cref="EmulatorPort"/>, subscribes to their KV
/// events (published on <see cref="KvPort"/> + i, replayed from <see cref="KvPort"/> + 2 + i) and maps their spans
/// (<c>service.instance.id</c> replica-i) to deployment <see cref="Deployment"/>. Its refreshed forecasts also run a
/// standing scenario that adds a replica (<c>--forecast-scenario</c>), so the dashboards' with-and-without panels have
/// series: a deployment-wide forecast at the traffic as it is, so the scenario adds little to the feed's CPU.
/// </summary>
public sealed class OpsServerProcess() : SourcesServerProcess(Sources(), "--forecast-scenario", Path.Combine(TestData.RepoRoot, "examples", "scenarios", "add-replica-now.yaml"))
{
    public const string Deployment = "ops-emulated";
    public static readonly int EmulatorPort = EmulatorProcess.FreePorts(2);
    public static readonly int KvPort = EmulatorProcess.FreePorts(4);

    private static string Sources()
    {
        string Target(int i) => $$"""
                  - metrics: http://127.0.0.1:{{EmulatorPort + i}}/metrics
                    replica: {{i}}
                    spans: {service.instance.id: replica-{{i}}}
                    kv_events: {endpoint: "tcp://127.0.0.1:{{KvPort + i}}", replay_endpoint: "tcp://127.0.0.1:{{KvPort + 2 + i}}", topic: kv-events}
            """;
        return $$"""
            scrape: {interval_s: 1}
            deployments:
              - name: {{Deployment}}
                spec: {model: llama-3.1-8b, hardware: a100-80g, replicas: 2, perf_model: roofline}
                targets:
            {{Target(0)}}
            {{Target(1)}}
            """;
    }
}
