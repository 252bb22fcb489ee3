using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Hosting;

// What a replica grain costs in silo memory: one silo in this process (localhost clustering, the embedded in-memory
// storage, the server's twin options), a deployment of --replicas replica grains fed N request lifecycles each
// through its deployment grain, and the managed heap after a full collection, before and after.
int replicas = 32;
int[] sizes = [100, 1000, 10000];
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--replicas" when i + 1 < args.Length && int.TryParse(args[i + 1], out int r) && r >= 1: replicas = r; i++; break;
        case "--requests" when i + 1 < args.Length:
            try { sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); }
            catch (FormatException) { Console.Error.WriteLine($"--requests: a comma-separated list of counts, e.g. 100,1000 (got '{args[i]}')"); return 2; }
            break;
        default:
            Console.Error.WriteLine("usage: TokenSim.Bench.GrainMemory [--replicas 32] [--requests 100,1000,10000]");
            return 2;
    }
}

using var host = Host.CreateDefaultBuilder()
    .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
    .UseOrleans(silo => silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort()).AddTokenSimTwin())
    .Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();
const double Origin = 1_780_000_000;
Console.WriteLine($"replica grain memory: {replicas} replicas a deployment, llama-3.1-8b on a100-80g (roofline), a request every 0.25 s of production time per replica, 4 events each");
foreach (int n in sizes)
{
    string name = $"mem-{n}";
    var deployment = grains.GetGrain<IDeploymentTwinGrain>(name);
    await deployment.RegisterAsync(new TwinDeploymentSpec { Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = replicas, PerfModel = "roofline" });
    long before = Heap();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    long applied = 0;
    // Step j at production time 0.25 j: request j arrives and is scheduled, j-1 gets its first token, j-2 finishes.
    for (int j = 0; j < n + 2; j++)
    {
        var batch = new List<TwinEvent>(4 * replicas);
        double t = 0.25 * j;
        for (int r = 0; r < replicas; r++)
        {
            if (j >= 2) batch.Add(new RequestFinished { EventId = Id(name, r, j - 2, "d"), Replica = r, TimeSeconds = Origin + t - 0.05, RequestId = $"r{j - 2}", OutputTokens = 16 });
            if (j >= 1 && j <= n) batch.Add(new FirstTokenProduced { EventId = Id(name, r, j - 1, "f"), Replica = r, TimeSeconds = Origin + t - 0.05, RequestId = $"r{j - 1}" });
            if (j < n)
            {
                batch.Add(new RequestArrived { EventId = Id(name, r, j, "a"), Replica = r, TimeSeconds = Origin + t, RequestId = $"r{j}", PromptTokens = 512, MaxTokens = 64 });
                batch.Add(new RequestScheduled { EventId = Id(name, r, j, "s"), Replica = r, TimeSeconds = Origin + t + 0.002, RequestId = $"r{j}" });
            }
        }
        var result = await deployment.IngestAsync([.. batch]);
        applied += result.Outcomes.Count(o => o.Kind == EventOutcomeKind.Applied);
        if (result.Outcomes.FirstOrDefault(o => o.Kind != EventOutcomeKind.Applied) is { } bad)
        {
            Console.Error.WriteLine($"{name}: an event was not applied: {bad.Kind} {bad.Reason}");
            return 1;
        }
    }
    long after = Heap();
    Console.WriteLine($"{n,6} requests a replica: {(after - before) / (double)replicas / 1024:F1} KiB a replica grain " +
                      $"({applied:N0} events applied in {clock.Elapsed.TotalSeconds:F1} s; heap {before / 1048576.0:F1} -> {after / 1048576.0:F1} MiB)");
}
await host.StopAsync();
return 0;

static string Id(string deployment, int replica, int request, string kind) => $"{deployment}/{replica}/{request}/{kind}";

static int FreePort()
{
    var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    l.Start();
    int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return port;
}

static long Heap()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    return GC.GetTotalMemory(forceFullCollection: true);
}
