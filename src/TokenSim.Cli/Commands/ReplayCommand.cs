using System.CommandLine;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using TokenSim.Contracts.V1;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim replay</c>: a measured run streamed into a twin server as live events, then its accuracy.</summary>
internal static class ReplayCommand
{
    /// <summary>Events due within this much wall time travel in one message.</summary>
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(20);
    private const int MaxBatchEvents = 1000;

    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The twin server's gRPC address, e.g. http://127.0.0.1:7100.", Required = true };
        var run = new Option<string>("--run") { Description = "Folder of a measured vLLM run: meta.json, requests.jsonl, timeseries.csv.", Required = true };
        var speed = new Option<double>("--speed") { Description = "Stream at this many times real time (default 1).", DefaultValueFactory = _ => 1 };
        var deployment = new Option<string?>("--deployment") { Description = "Register the run under this deployment name (default replay-<run folder>-<time>)." };
        var perf = new Option<string>("--perf-model") { Description = "The twin's execution-time model: auto (a profile in the server's data/ for this GPU and model, else roofline), roofline or profile:DIR on the server.", DefaultValueFactory = _ => "auto" };
        var apiKey = new Option<string?>("--api-key") { Description = "Sent as x-api-key (default: TOKENSIM_API_KEY)." };
        var json = new Option<string?>("--json") { Description = "Write predicted (at arrival) and observed per metric as JSON, in the shape of validate vllm-bench --json." };
        var cmd = new Command("replay", "Stream a measured vLLM run into a twin server as the live events its deployment would have sent, then print the twin's accuracy (predicted at arrival vs observed TTFT, TPOT, E2E).")
        {
            server, run, speed, deployment, perf, apiKey, json,
        };
        cmd.SetAction(async (parse, cancellation) =>
        {
            double x = parse.GetValue(speed);
            if (!(x > 0) || double.IsInfinity(x)) throw new ArgumentException($"--speed must be a positive number (got {x}).");
            if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--server must be an http:// or https:// address (got '{parse.GetValue(server)}').");
            var measured = VllmBenchRun.Read(parse.GetValue(run)!);
            string name = parse.GetValue(deployment) ?? DefaultName(measured.Directory);
            string? key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("TOKENSIM_API_KEY");
            var report = await ExecuteAsync(address, measured, name, parse.GetValue(perf)!, x, key, cancellation);
            report.Print(AnsiConsole.Console);
            if (parse.GetValue(json) is { } path) report.WriteJson(path);
            return 0;
        });
        return cmd;
    }

    private static string DefaultName(string dir)
    {
        var folder = new string(Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        return $"replay-{folder}-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
    }

    public static async Task<ReplayReport> ExecuteAsync(Uri address, VllmBenchRun run, string name, string perfModel, double speed, string? apiKey, CancellationToken cancellation)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var headers = new Metadata();
        if (apiKey is not null) headers.Add("x-api-key", apiKey);
        var deployments = new Deployments.DeploymentsClient(channel);
        var info = await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = RunEventStream.Deployment(run, name, perfModel) }, headers, cancellationToken: cancellation);
        var stream = RunEventStream.From(run, name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        var ingest = new Ingest.IngestClient(channel);
        using var call = ingest.IngestStream(headers, cancellationToken: cancellation);
        var clock = Stopwatch.StartNew();
        var events = stream.Events;
        for (int i = 0; i < events.Count;)
        {
            var due = TimeSpan.FromSeconds(events[i].Offset / speed);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, cancellation);
            var horizon = clock.Elapsed + BatchWindow;
            var batch = new IngestBatchRequest();
            while (i < events.Count && batch.Events.Count < MaxBatchEvents && TimeSpan.FromSeconds(events[i].Offset / speed) <= horizon)
                batch.Events.Add(events[i++].Event);
            await call.RequestStream.WriteAsync(batch, cancellation);
        }
        await call.RequestStream.CompleteAsync();
        var ack = await call;
        if (ack.Invalid > 0 || ack.Late > 0)
        {
            var first = ack.Outcomes.First(o => o.Outcome is Outcome.Invalid or Outcome.Late);
            throw new InvalidDataException($"the twin did not apply {ack.Invalid} invalid and {ack.Late} late events of {events.Count}; first: {first.EventId}: {first.Reason}");
        }
        var accuracy = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = name }, headers, cancellationToken: cancellation);
        var forecasts = await new Forecasting.ForecastingClient(channel).GetForecastScoresAsync(new GetForecastScoresRequest { Deployment = name }, headers, cancellationToken: cancellation);
        return ReplayReport.From(run.Directory, info, accuracy, forecasts);
    }
}
