using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using TokenSim.Bench.Ingest;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var channel = GrpcChannel.ForAddress(options.Server, new GrpcChannelOptions
{
    // Concurrent calls each need their own HTTP/2 stream; one connection carries them all.
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
});
var headers = options.ApiKey is null ? null : new Metadata { { "x-api-key", options.ApiKey } };
var runs = new List<RepeatResult>();
string runId = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
Console.WriteLine($"ingest benchmark: {options.Server}, {options.Replicas} replicas of {options.Model} on {options.Hardware}, " +
                  $"{options.BatchEvents} events a call, {options.Concurrency} calls in flight, {options.RatePerReplica:G} req/s per replica " +
                  $"(production time), {options.WarmupSeconds:G} s warm-up + {options.DurationSeconds:G} s measured, {options.Repeats} repeats after {options.WarmupRepeats} unreported");
for (int rep = -options.WarmupRepeats; rep < options.Repeats; rep++)
{
    RepeatResult result;
    try
    {
        result = await IngestRepeat.RunAsync(channel, headers, options, $"bench-{runId}-{rep + options.WarmupRepeats}");
    }
    catch (RpcException e)
    {
        // A failed call ends the benchmark: its figures would count a server that was not answering.
        Console.Error.WriteLine($"{options.Server}: {e.Status.StatusCode}: {e.Status.Detail}");
        return 1;
    }
    if (rep >= 0) runs.Add(result);
    Console.WriteLine(rep < 0 ? "warm-up " + result.Line(rep + options.WarmupRepeats + 1) : result.Line(rep + 1));
    if (result.NotApplied > 0)
    {
        Console.Error.WriteLine($"{result.NotApplied} events were not applied, e.g.: {result.FirstProblem}");
        return 1;
    }
}
double Median(Func<RepeatResult, double> f)
{
    var v = runs.Select(f).Order().ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}
var summary = new
{
    options.Replicas, options.BatchEvents, options.Concurrency, options.DurationSeconds, options.RatePerReplica, options.Repeats,
    EventsPerSecond = Median(r => r.EventsPerSecond),
    AckP50Ms = Median(r => r.P50Ms),
    AckP99Ms = Median(r => r.P99Ms),
    ProductionSpeed = Median(r => r.ProductionSpeed),
    Runs = runs,
};
Console.WriteLine($"median of {runs.Count}: {summary.EventsPerSecond:F0} events/s, ack p50 {summary.AckP50Ms:F1} ms, p99 {summary.AckP99Ms:F1} ms " +
                  $"(production time ran {summary.ProductionSpeed:F1}x real time)");
if (options.JsonPath is { } path)
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions
    {
        WriteIndented = true,
        // A repeat that completed no call inside its window has no latency: written "NaN" rather than failing the write.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    }));
return 0;
