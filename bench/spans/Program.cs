using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using OpenTelemetry.Proto.Collector.Trace.V1;
using TokenSim.Bench.Spans;
using TokenSim.Contracts.V1;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(SpanBenchOptions.Usage);
    return 0;
}
SpanBenchOptions o;
try { o = SpanBenchOptions.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SpanBenchOptions.Usage);
    return 2;
}

using var channel = GrpcChannel.ForAddress(o.Server, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
using var http = new HttpClient();
var traces = new TraceService.TraceServiceClient(channel);
string runId = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
Console.WriteLine($"span benchmark: OTLP/{o.Transport} to {(o.Transport == "grpc" ? o.Server : o.Http + "/v1/traces")}, {o.Replicas} replicas, " +
                  $"{o.Batch} spans an export, {o.Concurrency} exports in flight, {o.WarmupSeconds:G} s warm-up + {o.DurationSeconds:G} s measured, " +
                  $"{o.Repeats} repeats after {o.WarmupRepeats} unreported");

// The server's own count of applied spans: every span sent must show up there (nothing dropped silently).
async Task<double> AppliedAsync()
{
    string text = await http.GetStringAsync(o.Http + "/metrics");
    string series = $"tokensim_otlp_spans_total{{transport=\"{o.Transport}\",outcome=\"applied\"}} ";
    var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
    return line is null ? 0 : double.Parse(line[series.Length..], CultureInfo.InvariantCulture);
}

async Task<long> ExportAsync(ExportTraceServiceRequest request)
{
    if (o.Transport == "grpc") return (await traces.ExportAsync(request)).PartialSuccess?.RejectedSpans ?? 0;
    var content = new ByteArrayContent(request.ToByteArray());
    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
    using var response = await http.PostAsync(o.Http + "/v1/traces", content);
    response.EnsureSuccessStatusCode();
    var reply = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    return reply.PartialSuccess?.RejectedSpans ?? 0;
}

// On a shared machine the server's CPU time says more than the wall clock: user + system seconds from /proc/PID/stat.
double ServerCpuSeconds()
{
    if (o.ServerPid is not { } pid) return double.NaN;
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

var runs = new List<Repeat>();
for (int rep = -o.WarmupRepeats; rep < o.Repeats; rep++)
{
    string deployment = $"spans-{runId}-{rep + o.WarmupRepeats}";
    await new Deployments.DeploymentsClient(channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
    {
        Spec = new DeploymentSpec { Name = deployment, Model = "Llama-3.1-8B", Hardware = "RTXPRO6000", Replicas = o.Replicas },
    });
    double appliedBefore = await AppliedAsync();
    double cpuBefore = ServerCpuSeconds();
    var clock = Stopwatch.StartNew();
    double measureFrom = o.WarmupSeconds, measureTo = o.WarmupSeconds + o.DurationSeconds;
    long sent = 0, rejected = 0, measured = 0;
    var latencies = new List<double>();
    var lanes = Enumerable.Range(0, o.Concurrency).Select(lane => Task.Run(async () =>
    {
        var generator = new SpanGenerator(deployment, o.Replicas, lane);
        while (clock.Elapsed.TotalSeconds < measureTo)
        {
            var request = generator.Next(o.Batch);
            double start = clock.Elapsed.TotalSeconds;
            long r = await ExportAsync(request);
            double end = clock.Elapsed.TotalSeconds;
            Interlocked.Add(ref sent, o.Batch);
            Interlocked.Add(ref rejected, r);
            if (start >= measureFrom && end <= measureTo)
            {
                Interlocked.Add(ref measured, o.Batch);
                lock (latencies) latencies.Add((end - start) * 1000);
            }
        }
    })).ToArray();
    await Task.WhenAll(lanes);
    double cpu = ServerCpuSeconds() - cpuBefore;
    double applied = await AppliedAsync() - appliedBefore;
    latencies.Sort();
    double Pct(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
    var result = new Repeat(measured / o.DurationSeconds, Pct(0.5), Pct(0.99), sent, (long)applied, rejected, sent / cpu);
    Console.WriteLine($"{(rep < 0 ? "warm-up " : "")}repeat {(rep < 0 ? rep + o.WarmupRepeats + 1 : rep + 1)}: {result.SpansPerSecond:F0} spans/s, export p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms; sent {sent}, applied {result.Applied}, rejected {rejected}" +
                      (double.IsNaN(cpu) ? "" : $"; server CPU {cpu:F1} s, {result.SpansPerServerCpuSecond:F0} spans per CPU second"));
    if (rejected > 0 || result.Applied != sent)
    {
        Console.Error.WriteLine($"{sent} spans sent but {result.Applied} applied and {rejected} rejected: something was lost");
        return 1;
    }
    if (rep >= 0) runs.Add(result);
}
double Median(Func<Repeat, double> f)
{
    var v = runs.Select(f).Order().ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}
var summary = new { o.Transport, o.Replicas, o.Batch, o.Concurrency, o.DurationSeconds, SpansPerSecond = Median(r => r.SpansPerSecond), P50Ms = Median(r => r.P50Ms), P99Ms = Median(r => r.P99Ms), SpansPerServerCpuSecond = Median(r => r.SpansPerServerCpuSecond), Runs = runs };
Console.WriteLine($"median of {runs.Count}: {summary.SpansPerSecond:F0} spans/s, export p50 {summary.P50Ms:F1} ms, p99 {summary.P99Ms:F1} ms; every span sent was applied" +
                  (o.ServerPid is null ? "" : $"; {summary.SpansPerServerCpuSecond:F0} spans per server CPU second"));
if (o.JsonPath is { } path) await File.WriteAllTextAsync(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
return 0;

internal sealed record Repeat(double SpansPerSecond, double P50Ms, double P99Ms, long Sent, long Applied, long Rejected, double SpansPerServerCpuSecond);
