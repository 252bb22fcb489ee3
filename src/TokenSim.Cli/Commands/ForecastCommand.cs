using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim forecast</c>: what a mirrored deployment will do next, forecast by the twin server from its live state.</summary>
internal static class ForecastCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The twin server's gRPC address, e.g. http://127.0.0.1:7100.", Required = true };
        var deployment = new Option<string>("--deployment") { Description = "The deployment to forecast.", Required = true };
        var horizon = new Option<double>("--horizon") { Description = "Seconds ahead of the twin's clock.", Required = true };
        var step = new Option<double?>("--step") { Description = "Seconds between forecast steps (default 1, or the horizon when shorter)." };
        var traffic = new Option<double?>("--traffic") { Description = "Arrivals at this multiple of the learned rate (default 1; 0 = no new arrivals)." };
        var delta = new Option<int>("--replica-delta") { Description = "Replicas added (> 0) or removed (< 0); the learned traffic is spread over the new count." };
        var seeds = new Option<int?>("--seeds") { Description = "Independent draws of the future (default 8)." };
        var apiKey = new Option<string?>("--api-key") { Description = "Sent as x-api-key (default: TOKENSIM_API_KEY)." };
        var scenario = new Option<string?>("--scenario") { Description = "A scenario timeline (YAML, docs/scenarios.md) applied from now; the forecast is shown with it and without it. With an autoscale: policy it also shows the replicas over time." };
        var json = new Option<string?>("--json") { Description = "Write the whole forecast (deployment totals and every replica's steps) as JSON." };
        var cmd = new Command("forecast", "Forecast a mirrored deployment from its live simulated state: per step the expected running and waiting requests and KV use with their p10–p90 intervals, TTFT and TPOT percentiles, and when the KV cache runs out.")
        {
            server, deployment, horizon, step, traffic, delta, seeds, scenario, apiKey, json,
        };
        cmd.SetAction(async (parse, cancellation) =>
        {
            if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--server must be an http:// or https:// address (got '{parse.GetValue(server)}').");
            var request = new ForecastRequest { Deployment = parse.GetValue(deployment)!, HorizonS = parse.GetValue(horizon), ReplicaDelta = parse.GetValue(delta) };
            if (parse.GetValue(step) is { } s) request.StepS = s;
            if (parse.GetValue(traffic) is { } x) request.TrafficMultiplier = x;
            if (parse.GetValue(seeds) is { } n) request.Seeds = n;
            if (parse.GetValue(scenario) is { } file)
            {
                // Read and checked here, so a mistake is named by its file and line before anything is sent.
                TokenSim.Core.Simulation.Scenarios.ScenarioReader.ReadFile(file);
                request.Scenario = await File.ReadAllTextAsync(file, cancellation);
            }
            var headers = new Metadata();
            if ((parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("TOKENSIM_API_KEY")) is { } key) headers.Add("x-api-key", key);
            using var channel = GrpcChannel.ForAddress(address);
            var reply = await new Forecasting.ForecastingClient(channel).ForecastAsync(request, headers, cancellationToken: cancellation);
            Print(AnsiConsole.Console, reply);
            if (parse.GetValue(json) is { } path)
                await File.WriteAllTextAsync(path, new JsonFormatter(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true)).Format(reply), cancellation);
            return 0;
        });
        return cmd;
    }

    public static void Print(IAnsiConsole console, ForecastReply f)
    {
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        string delta = f.ReplicaDelta == 0 ? "" : $", replica delta {f.ReplicaDelta:+0;-0}";
        console.MarkupLine(Markup.Escape($"forecast of {f.Deployment}: {f.HorizonS:G} s ahead in steps of {f.StepS:G} s, {f.Seeds} seeds, traffic x{f.TrafficMultiplier:G}{delta}, {f.Replicas.Count} replicas ({f.SimulatedSteps:N0} engine steps simulated in {f.WallS:F2} s)"));
        foreach (var r in f.Replicas)
        {
            string kv = r.HasKvExhaustedInS ? $"KV exhausted in {r.KvExhaustedInS:F1} s (median) in {r.KvExhaustedProbability:P0} of seeds" : "KV not exhausted within the horizon";
            console.MarkupLine(Markup.Escape($"replica {r.Replica}{(r.Added ? " (added)" : "")}: clock {r.ClockS:F1} s, learned {r.Traffic.RatePerS:F2} req/s (trend {r.Traffic.TrendPerS2:+0.00;-0.00}/s, cv {r.Traffic.InterArrivalCv:F2}, over {r.Traffic.ElapsedS:F0} s), prompt {r.Traffic.MeanPromptTokens:F0}, max_tokens {r.Traffic.MeanMaxTokens:F0}; {kv}"));
        }
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn(new TableColumn("ahead (s)").RightAligned());
        foreach (var c in new[] { "running", "running p10–p90", "waiting", "waiting p10–p90", "KV %", "KV % p10–p90", "TTFT p50 (s)", "TTFT p90 (s)", "TPOT p50 (ms)", "TPOT p90 (ms)" })
            t.AddColumn(new TableColumn(c).RightAligned());
        foreach (var s in f.StepTotals)
            t.AddRow(G(s.AheadS), F1(s.Running.Expected), Band(s.Running, 1), F1(s.Waiting.Expected), Band(s.Waiting, 1), F1(s.KvUsage.Expected * 100), Band(s.KvUsage, 100),
                s.Ttft.HasP50S ? F3(s.Ttft.P50S) : "-", s.Ttft.HasP90S ? F3(s.Ttft.P90S) : "-",
                s.Tpot.HasP50S ? F1(s.Tpot.P50S * 1000) : "-", s.Tpot.HasP90S ? F1(s.Tpot.P90S * 1000) : "-");
        console.Write(t);
        if (f.StepTotals.Any(s => s.ServingReplicas is not null))
        {
            // A fleet forecast (an autoscaling policy from live state): the replica count over time.
            var fleet = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "ahead (s)", "serving", "serving p10–p90", "paid for", "paid for p10–p90" }) fleet.AddColumn(new TableColumn(c).RightAligned());
            foreach (var s in f.StepTotals)
                fleet.AddRow(G(s.AheadS), F1(s.ServingReplicas.Expected), Band(s.ServingReplicas, 1), F1(s.ProvisionedReplicas.Expected), Band(s.ProvisionedReplicas, 1));
            console.MarkupLine("[bold]replicas over time:[/]");
            console.Write(fleet);
            if (f.GpuHours is { } h) console.MarkupLine(Markup.Escape($"GPU-hours over the horizon: {h.Expected:F4} (p10–p90 {h.P10:F4}–{h.P90:F4})"));
        }
        if (f.WithoutScenario is { } without)
        {
            console.MarkupLine("[bold]the same forecast without the scenario:[/]");
            Print(console, without);
        }
    }

    private static string Band(Spread s, double k) => $"{F1(s.P10 * k)}–{F1(s.P90 * k)}";
    private static string G(double x) => x.ToString("G", CultureInfo.InvariantCulture);
    private static string F1(double x) => x.ToString("F1", CultureInfo.InvariantCulture);
    private static string F3(double x) => x.ToString("F3", CultureInfo.InvariantCulture);
}
