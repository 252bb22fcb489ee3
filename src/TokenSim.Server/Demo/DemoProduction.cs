using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TokenSim.Core.Entities;
using TokenSim.Emulator;

namespace TokenSim.Server.Demo;

/// <summary>
/// The emulated production of <c>--demo</c>: two replicas of <see cref="Model"/> on <see cref="Hardware"/>, each
/// serving the OpenAI API and vLLM's <c>/metrics</c>, exporting its request spans to this server's gRPC port and
/// publishing KV events, as <c>tokensim emulate --replicas 2</c> does. The twin hears of it only through the native
/// sources (a sources file written for it) and the gateway, as it would of a real vLLM.
/// </summary>
public sealed class DemoProduction : IAsyncDisposable
{
    public const string Deployment = "demo";
    public const string Model = "llama-3.1-8b";
    public const string Hardware = "a100-80g";
    public const int Replicas = 2;

    private readonly EmulatorFleet _fleet;
    private readonly List<RequestSpans> _spans;

    private DemoProduction(EmulatorFleet fleet, List<RequestSpans> spans, string sourcesFile)
    {
        _fleet = fleet;
        _spans = spans;
        SourcesFile = sourcesFile;
    }

    /// <summary>Each replica's OpenAI base URL.</summary>
    public IReadOnlyList<Uri> Urls => _fleet.Urls;

    /// <summary>The sources file written for the twin: scrape targets, span rules, KV-event endpoints, the deployment's spec.</summary>
    public string SourcesFile { get; }

    /// <summary>Starts the replicas (every one listening before this returns) and writes their sources file.</summary>
    /// <param name="grpcPort">The server's gRPC port, where the replicas export their spans (OTLP/gRPC).</param>
    public static async Task<DemoProduction> StartAsync(int grpcPort)
    {
        // The twin's default engine for a spec that gives only model, GPU and replicas (DeploymentSpecs), so that the
        // emulated production and its twin run the same engine.
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve(Model), HardwareCatalog.Resolve(Hardware),
            new EngineConfig { BlockSize = 16, GpuMemoryUtilization = 0.9, Scheduler = "vllm-v1" });
        int kvPort = FreePortPair();
        // "*": the emulated vLLM binds its PUB socket, as vLLM does; the twin connects to it.
        var kv = new KvEventsConfig { Endpoint = $"tcp://*:{kvPort}", Topic = "kv-events" };
        var options = Enumerable.Range(0, Replicas).Select(i => new EmulatorOptions
        {
            Spec = spec, ModelName = Model, Port = 0, Seed = 42 + (ulong)i, ReplicaIndex = i, ReplicaName = $"replica-{i}", KvEvents = kv,
        }).ToList();
        var target = OtlpTracesTarget.Parse($"grpc://127.0.0.1:{grpcPort}", "grpc");
        var spans = new List<RequestSpans>();
        await EmulatorWarmUp.RunAsync(options[0] with { KvEvents = null });
        var fleet = await EmulatorFleet.StartAsync(options, i =>
        {
            var s = RequestSpans.Otlp($"replica-{i}", target);
            spans.Add(s);
            return [s];
        });
        string file = Path.Combine(Path.GetTempPath(), $"tokensim-demo-{Environment.ProcessId}.yaml");
        await File.WriteAllTextAsync(file, Sources(fleet.Urls, kvPort));
        // The file is read while the host is built; it goes with the process however that ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(file);
        return new DemoProduction(fleet, spans, file);
    }

    private static string Sources(IReadOnlyList<Uri> urls, int kvPort)
    {
        var text = new System.Text.StringBuilder($"""
            # Written by TokenSim.Server --demo: the emulated production's replicas as the twin's native sources.
            scrape: {"{"}interval_s: 1{"}"}
            deployments:
              - name: {Deployment}
                spec: {"{"}model: {Model}, hardware: {Hardware}, replicas: {Replicas}{"}"}
                targets:

            """);
        for (int i = 0; i < urls.Count; i++)
        {
            string api = urls[i].ToString().TrimEnd('/');
            text.Append(CultureInfo.InvariantCulture, $"""
                      - metrics: {api}/metrics
                        openai: {api}
                        replica: {i}
                        spans: {"{"}service.instance.id: replica-{i}{"}"}
                        kv_events: {"{"}endpoint: "tcp://127.0.0.1:{kvPort + i}", topic: kv-events{"}"}

                """);
        }
        return text.ToString();
    }

    /// <summary>
    /// A port p with p and p + 1 free (replica i publishes KV events on p + i, vLLM's rule), below Linux's ephemeral
    /// range so that no outgoing connection takes one of them before the publisher binds it.
    /// </summary>
    private static int FreePortPair()
    {
        for (int tries = 0; ; tries++)
        {
            int p = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var a = new TcpListener(IPAddress.Loopback, p);
                using var b = new TcpListener(IPAddress.Loopback, p + 1);
                a.Start();
                b.Start();
                return p;
            }
            catch (SocketException) when (tries < 200) { }
        }
    }

    /// <summary>Stops the replicas, then flushes their queued spans.</summary>
    public async ValueTask DisposeAsync()
    {
        await _fleet.DisposeAsync();
        foreach (var s in _spans) s.Dispose();
    }
}
