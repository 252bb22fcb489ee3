using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using TokenSim.Contracts.V1;
using TokenSim.Core.Entities;
using TokenSim.Core.Validation;
using TokenSim.Core.Workload;

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
        var run = new Option<string?>("--run") { Description = "Folder of a measured vLLM run: meta.json, requests.jsonl, timeseries.csv." };
        var workload = new Option<string?>("--workload") { Description = "Instead of --run: a plain trace file (the CSV/JSONL formats simulate --workload reads) for a load test; its lengths arrive as a Poisson process at --rate, and production is TokenSim simulating the deployment with the twin's perf model." };
        var rate = new Option<double?>("--rate") { Description = "With --workload: arrivals per second over the whole deployment." };
        var replicas = new Option<int>("--replicas") { Description = "With --workload: engine replicas; requests are dealt round-robin (default 1).", DefaultValueFactory = _ => 1 };
        var model = new Option<string>("--model") { Description = "With --workload: the deployment's model (default llama-3.1-8b).", DefaultValueFactory = _ => "llama-3.1-8b" };
        var hardware = new Option<string>("--hardware") { Description = "With --workload: the deployment's GPU (default RTXPRO6000).", DefaultValueFactory = _ => "RTXPRO6000" };
        var requests = new Option<int?>("--requests") { Description = "With --workload: use only the first N rows that fit the context." };
        var seed = new Option<int>("--seed") { Description = "With --workload: seed of the Poisson arrivals (default 0).", DefaultValueFactory = _ => 0 };
        var speed = new Option<double>("--speed") { Description = "Stream at this many times real time (default 1).", DefaultValueFactory = _ => 1 };
        var deployment = new Option<string?>("--deployment") { Description = "Register the run under this deployment name (default replay-<run folder>-<time>)." };
        var perf = new Option<string>("--perf-model") { Description = "The twin's execution-time model: auto (a profile in the server's data/ for this GPU and model, else roofline), roofline or profile:DIR on the server.", DefaultValueFactory = _ => "auto" };
        var apiKey = new Option<string?>("--api-key") { Description = "Sent as x-api-key (default: TOKENSIM_API_KEY)." };
        var json = new Option<string?>("--json") { Description = "Write predicted (at arrival) and observed per metric as JSON, in the shape of validate vllm-bench --json." };
        var cmd = new Command("replay", "Stream a measured vLLM run (--run), or a plain trace as a load test (--workload, --rate), into a twin server as the live events its deployment would have sent, then print the twin's accuracy (predicted at arrival vs observed TTFT, TPOT, E2E).")
        {
            server, run, workload, rate, replicas, model, hardware, requests, seed, speed, deployment, perf, apiKey, json,
        };
        cmd.SetAction(async (parse, cancellation) =>
        {
            double x = parse.GetValue(speed);
            if (!(x > 0) || double.IsInfinity(x)) throw new ArgumentException($"--speed must be a positive number (got {x}).");
            if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--server must be an http:// or https:// address (got '{parse.GetValue(server)}').");
            string? key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("TOKENSIM_API_KEY");
            var time = TimeProvider.System;
            ReplayReport report;
            if ((parse.GetValue(run) is null) == (parse.GetValue(workload) is null))
                throw new ArgumentException("give exactly one of --run (a measured vLLM run) and --workload (a trace, with --rate).");
            if (parse.GetValue(workload) is { } file)
            {
                if (parse.GetValue(rate) is not { } r || !(r > 0) || double.IsInfinity(r)) throw new ArgumentException($"--workload needs --rate, a positive number of requests per second (got {parse.GetValue(rate)?.ToString() ?? "none"}).");
                if (parse.GetValue(replicas) < 1) throw new ArgumentException($"--replicas must be at least 1 (got {parse.GetValue(replicas)}).");
                if (parse.GetValue(requests) is < 1) throw new ArgumentException($"--requests must be at least 1 (got {parse.GetValue(requests)}).");
                var trace = TraceReader.ReadFile(file);
                var load = new TraceLoad(trace, parse.GetValue(model)!, parse.GetValue(hardware)!, parse.GetValue(replicas), r, parse.GetValue(seed), parse.GetValue(requests));
                report = await ExecuteAsync(address, load, parse.GetValue(deployment) ?? DefaultName(file, time), parse.GetValue(perf)!, x, key, time, cancellation);
            }
            else
            {
                var measured = VllmBenchRun.Read(parse.GetValue(run)!);
                report = await ExecuteAsync(address, measured, parse.GetValue(deployment) ?? DefaultName(measured.Directory, time), parse.GetValue(perf)!, x, key, time, cancellation);
            }
            report.Print(AnsiConsole.Console);
            if (parse.GetValue(json) is { } path) report.WriteJson(path);
            return 0;
        });
        return cmd;
    }

    private static string DefaultName(string dir, TimeProvider time)
    {
        var folder = new string(Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        return $"replay-{folder}-{time.GetUtcNow().ToUnixTimeMilliseconds()}";
    }

    /// <summary>The measured run's events, its production clock starting now on <paramref name="time"/>.</summary>
    public static Task<ReplayReport> ExecuteAsync(Uri address, VllmBenchRun run, string name, string perfModel, double speed, string? apiKey, TimeProvider time, CancellationToken cancellation) =>
        ExecuteAsync(address, run.Directory, RunEventStream.Deployment(run, name, perfModel), _ => RunEventStream.From(run, name, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0).Events, speed, apiKey, time, cancellation);

    /// <summary>A plain trace's load test: lengths in file order, Poisson arrivals, production simulated by TokenSim.</summary>
    public sealed record TraceLoad(TokenSim.Core.Workload.Trace Trace, string Model, string Hardware, int Replicas, double Rate, int Seed, int? Requests);

    public static Task<ReplayReport> ExecuteAsync(Uri address, TraceLoad load, string name, string perfModel, double speed, string? apiKey, TimeProvider time, CancellationToken cancellation)
    {
        var spec = ReplicaSpec.Create(ModelCatalog.Resolve(load.Model), HardwareCatalog.Resolve(load.Hardware), new EngineConfig());
        return ExecuteAsync(address, load.Trace.Source, TraceEventStream.Deployment(spec, load.Model, load.Hardware, load.Replicas, name, perfModel), info =>
        {
            // Production runs the twin's own execution-time model when this machine has it (the server's data folder).
            string production = info.ResolvedPerfModel.StartsWith("profile:", StringComparison.Ordinal) && !Directory.Exists(info.ResolvedPerfModel["profile:".Length..]) ? "roofline" : info.ResolvedPerfModel;
            var events = TraceEventStream.From(load.Trace, spec, production, load.Replicas, load.Rate, load.Seed, load.Requests, name, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, out var note);
            if (note is not null) Console.Error.WriteLine($"note: {note}");
            Console.Error.WriteLine($"load test: {events.Count(e => e.Event.PayloadCase == Event.PayloadOneofCase.RequestArrived)} requests at {load.Rate:G} req/s over {load.Replicas} replica(s), {events.Count} events; production simulated with {production}");
            return events;
        }, speed, apiKey, time, cancellation);
    }

    private static async Task<ReplayReport> ExecuteAsync(Uri address, string source, DeploymentSpec spec, Func<DeploymentInfo, IReadOnlyList<(double Offset, Event Event)>> stream, double speed, string? apiKey, TimeProvider time, CancellationToken cancellation)
    {
        using var channel = GrpcChannel.ForAddress(address);
        const int AccuracyPageSize = 10_000; // the server's largest page
        var headers = new Metadata();
        if (apiKey is not null) headers.Add("x-api-key", apiKey);
        var deployments = new Deployments.DeploymentsClient(channel);
        var info = await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = spec }, headers, cancellationToken: cancellation);
        string name = spec.Name;
        var ingest = new Ingest.IngestClient(channel);
        using var call = ingest.IngestStream(headers, cancellationToken: cancellation);
        long started = time.GetTimestamp();
        var events = stream(info);
        for (int i = 0; i < events.Count;)
        {
            var due = TimeSpan.FromSeconds(events[i].Offset / speed);
            var wait = due - time.GetElapsedTime(started); // read once: a second reading could put the wait below zero
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellation);
            var horizon = time.GetElapsedTime(started) + BatchWindow;
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
        // Paged (the server bounds a page); the report wants every record, so the pages are joined here.
        var accuracy = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = name, PageSize = AccuracyPageSize }, headers, cancellationToken: cancellation);
        for (string token = accuracy.NextPageToken; token.Length > 0;)
        {
            var page = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = name, PageSize = AccuracyPageSize, PageToken = token }, headers, cancellationToken: cancellation);
            accuracy.Requests.AddRange(page.Requests);
            token = page.NextPageToken;
        }
        accuracy.NextPageToken = "";
        var forecasts = await new Forecasting.ForecastingClient(channel).GetForecastScoresAsync(new GetForecastScoresRequest { Deployment = name }, headers, cancellationToken: cancellation);
        return ReplayReport.From(source, info, accuracy, forecasts);
    }
}
