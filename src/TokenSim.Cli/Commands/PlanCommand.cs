using System.CommandLine;
using Spectre.Console;
using TokenSim.Planning;
using TokenSim.Planning.Json;

namespace TokenSim.Cli.Commands;

/// <summary>
/// <c>tokensim plan --config FILE [--server URL | --offline]</c> (in this process unless a server is named): the cheapest candidate that meets the SLOs on the
/// traffic, found by simulation (bisection over replica counts), and the cost–latency frontier.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Plan YAML: base (simulate options), traffic, slo, candidates, cost_per_gpu_hour (examples/plan-llama8b.yaml).", Required = true };
        var server = new Option<string?>("--server") { Description = "A twin server's gRPC address (e.g. http://127.0.0.1:7100): its silos run the simulations." };
        var offline = new Option<bool>("--offline") { Description = "Plan in this process, on all cores, without a server (the default when --server is not given)." };
        var json = new Option<string?>("--json") { Description = "Write the answer, the frontier and every simulated candidate as JSON." };
        var exhaustive = new Option<bool>("--exhaustive") { Description = "Simulate every candidate instead of bisecting replica counts (to check the search)." };
        var parallel = new Option<int?>("--parallel") { Description = "With --offline: simulations at once (default: all cores)." };
        var apiKey = new Option<string?>("--api-key") { Description = "Sent as x-api-key (default: TOKENSIM_API_KEY)." };
        var cmd = new Command("plan", "Find the cheapest deployment that meets latency SLOs on a traffic, by simulation, and the cost-latency frontier.")
        {
            config, server, offline, json, exhaustive, parallel, apiKey,
        };
        cmd.SetAction(parse =>
        {
            string? url = parse.GetValue(server);
            bool local = parse.GetValue(offline);
            if (local && url is not null) throw new ArgumentException("give one of --server URL and --offline, not both.");
            // Without a server there is nothing to connect to: plan here, and say so, rather than refuse.
            if (url is null && !local)
                Console.Error.WriteLine("note: no --server given: planning in this process (as --offline); --server URL runs the simulations on a twin's silos.");
            Uri? address = null;
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out address) || address.Scheme is not ("http" or "https")))
                throw new ArgumentException($"--server must be an http:// or https:// address (got '{url}').");
            var cfg = PlanConfig.Read(parse.GetValue(config)!);
            if (cfg.Autoscale is not null)
            {
                if (address is not null) throw new ArgumentException("a plan with autoscale: runs in this process; drop --server.");
                return RunAutoscale(cfg, parse.GetValue(parallel), parse.GetValue(json));
            }
            return Run(cfg, address, parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("TOKENSIM_API_KEY"),
                parse.GetValue(exhaustive), parse.GetValue(parallel), parse.GetValue(json));
        });
        return cmd;
    }

    private static int Run(PlanConfig cfg, Uri? server, string? apiKey, bool exhaustive, int? parallel, string? json)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        console.MarkupLine($"plan {Markup.Escape(cfg.Path)}: {cfg.Candidates.Count:N0} configurations ({cfg.Candidates.Hardware.Count} GPUs × {cfg.Candidates.Tp.Count} TP × " +
            $"{cfg.Candidates.Scheduler.Count} schedulers × replicas {cfg.Candidates.MinReplicas}..{cfg.Candidates.MaxReplicas}) {(server is null ? "in this process" : $"on {Markup.Escape(server.ToString())}")}");
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        bool interactive = console.Profile.Capabilities.Interactive;
        void Progress(PlanProgress p)
        {
            if (!interactive) return;
            console.MarkupLine($"[grey]{p.ElapsedSeconds,6:F1} s  {p.Simulated,4} simulated: {Markup.Escape(p.Last.Candidate.ToString())} {(p.Last.Error is not null ? "cannot run" : p.Last.MeetsSlo ? "meets" : "misses")}" +
                $"{(p.BestSoFar is { } b ? $"; cheapest so far {Markup.Escape(b.Candidate.ToString())}" : "")}[/]");
        }
        PlanResult result;
        if (server is null)
        {
            var problem = new PlanProblem
            {
                BaseOptions = cfg.BaseOptions, Traffic = cfg.DrawTraffic().Grown(cfg.Growth), Slo = cfg.Slo, Candidates = cfg.Candidates, Exhaustive = exhaustive,
                Objective = cfg.Objective,
            };
            var sync = new object();
            result = CapacityPlanner.PlanAsync(problem, new LocalSimulationExecutor(problem, parallel),
                new Reporter(p => { lock (sync) Progress(p); }), cts.Token).GetAwaiter().GetResult();
        }
        // A twin server's candidates come back without energy (its protocol has no field for it yet).
        else if (cfg.Objective == PlanObjective.Energy) throw new ArgumentException($"{cfg.Path}: objective: energy is planned in this process (--offline): a server's candidates carry no energy figures yet.");
        else result = PlanRemote.RunAsync(cfg, server, apiKey, exhaustive, Progress, cts.Token).GetAwaiter().GetResult();
        PlanReport.Print(console, result);
        if (json is not null)
        {
            using var f = File.Create(json);
            PlanResultJson.Write(f, result);
            console.MarkupLine($"wrote {Markup.Escape(json)}");
        }
        return result.Best is null ? 2 : 0;
    }

    /// <summary>The cheapest autoscaling policy for the one deployment the candidates name.</summary>
    private static int RunAutoscale(PlanConfig cfg, int? parallel, string? json)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        var c = cfg.Candidates;
        var deployment = new CandidateGroup(c.Hardware[0], c.Tp[0], c.Scheduler[0]);
        var policies = cfg.Autoscale!.Policies().Count();
        console.MarkupLine(Markup.Escape($"plan {cfg.Path}: {policies} autoscaling policies for {deployment} ({cfg.Autoscale.Scenario.Source}) in this process"));
        var results = AutoscalePlanner.Search(cfg.BaseOptions, deployment, c.CostPerGpuHour[deployment.Hardware], cfg.DrawTraffic().Grown(cfg.Growth), cfg.Slo, cfg.Autoscale, parallel);
        AutoscalePlanReport.Print(console, results, cfg.Slo, deployment.ToString());
        var best = results.FirstOrDefault(r => r.MeetsSlo);
        if (best is not null && cfg.AutoscalePlot is { } plot)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(plot))!;
            string file = PlotWriter.Replicas(dir, $"{deployment}: replicas over time, cheapest policy meeting the SLOs", best.Replicas, best.EndSeconds);
            if (!string.Equals(Path.GetFullPath(file), Path.GetFullPath(plot), StringComparison.Ordinal)) File.Move(file, plot, overwrite: true);
            console.MarkupLine($"plot: {Markup.Escape(plot)}");
        }
        if (json is not null)
        {
            using var f = File.Create(json);
            AutoscalePlanJson.Write(f, AutoscalePlanJson.From(deployment.ToString(), cfg.Autoscale.Scenario.Source, cfg.Slo, results));
            console.MarkupLine($"wrote {Markup.Escape(json)}");
        }
        return best is null ? 2 : 0;
    }

    private sealed class Reporter(Action<PlanProgress> report) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value) => report(value);
    }
}
