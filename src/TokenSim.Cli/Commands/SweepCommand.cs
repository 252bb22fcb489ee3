using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Spectre.Console;
using TokenSim.Core.Energy;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli.Commands;

/// <summary>
/// <c>tokensim sweep --config FILE</c>: simulates every point of a grid of options in parallel, on all cores, and
/// writes one CSV row per point plus a Pareto plot of throughput per GPU against p99 TTFT. With SLOs it also writes
/// goodput (requests per second that meet them); with GPU prices, the cost per hour and per million output tokens.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Sweep YAML: base (simulate options), grid (option: [values]), slo, cost_per_gpu_hour, output, plot.", Required = true };
        var parallel = new Option<int?>("--parallel") { Description = "Simulations at once (default: all cores)." };
        var cmd = new Command("sweep", "Simulate a grid of configurations in parallel and write CSV plus a Pareto plot.") { config, parallel };
        cmd.SetAction(parse =>
        {
            var cfg = SweepConfig.Read(parse.GetValue(config)!);
            // output and plot are the config's, so they name files beside it, not in whatever folder the run starts in.
            cfg = cfg with { Output = OutputPaths.BesideConfig(cfg.Path, cfg.Output), Plot = OutputPaths.BesideConfig(cfg.Path, cfg.Plot) };
            OutputPaths.CheckFile($"{cfg.Path}: output", cfg.Output);
            OutputPaths.CheckFile($"{cfg.Path}: plot", cfg.Plot);
            return Run(cfg, parse.GetValue(parallel) ?? Environment.ProcessorCount);
        });
        return cmd;
    }

    public sealed record PointResult(string[] Values, SimulationReport Report, int Gpus, double Goodput, double SloAttainment, double? CostPerHour);

    private static int Run(SweepConfig cfg, int parallel)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        long n = cfg.Points;
        console.MarkupLine($"sweep {Markup.Escape(cfg.Path)}: {n} points over {string.Join(" × ", cfg.Grid.Select(g => $"{g.Option} ({g.Values.Count})"))}, {parallel} at a time");
        var results = new PointResult[n];
        var wall = Stopwatch.StartNew();
        void RunAll(Action? tick)
        {
            try
            {
                Parallel.For(0L, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel) }, i =>
                {
                    results[i] = RunPoint(cfg, i);
                    tick?.Invoke();
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is ArgumentException))
            {
                // A bad point is the user's error, one line naming the point; which of several bad points fails first
                // depends on the threads, so the first by its text is reported: the same config names the same point.
                ExceptionDispatchInfo.Capture(e.InnerExceptions.OrderBy(x => x.Message, StringComparer.Ordinal).First()).Throw();
            }
        }
        if (console.Profile.Capabilities.Interactive)
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("simulating", maxValue: n);
                RunAll(() => { lock (task) task.Increment(1); });
            });
        else RunAll(null);
        WriteCsv(cfg, results);
        var frontier = ParetoPlot.Write(cfg.Plot, results, cfg.Grid.Select(g => g.Option).ToArray());
        console.MarkupLine($"{n} points in {wall.Elapsed.TotalSeconds:F1} s; wrote {Markup.Escape(cfg.Output)} and {Markup.Escape(cfg.Plot)}");
        var table = new Table().Border(TableBorder.Rounded).Title("Pareto frontier: throughput per GPU vs p99 TTFT");
        foreach (var g in cfg.Grid) table.AddColumn(g.Option);
        table.AddColumn(new TableColumn("tok/s/GPU").RightAligned());
        table.AddColumn(new TableColumn("TTFT p99 ms").RightAligned());
        table.AddColumn(new TableColumn("goodput req/s").RightAligned());
        foreach (var r in frontier)
            table.AddRow([.. r.Values.Select(Markup.Escape), F(r.Report.OutputTokensPerSecond / r.Gpus), F(r.Report.Ttft.P99 * 1000), F(r.Goodput)]);
        console.Write(table);
        return 0;
    }

    private static PointResult RunPoint(SweepConfig cfg, long index)
    {
        var (settings, values) = cfg.Point(index);
        try
        {
            var (sim, spec, _) = SimulationRun.Build(settings);
            var slo = new SloCounter(cfg.TtftSlo, cfg.TpotSlo, cfg.E2eSlo);
            var energy = EnergyMeter.For(sim, out _);
            sim.Observer = slo;
            sim.StepMeter = energy;
            sim.Run();
            var report = SimulationReport.From(sim, 0, energy, null);
            int gpus = spec.GpusPerReplica * settings.Replicas;
            double? cost = cfg.CostPerGpuHour.TryGetValue(spec.Hardware.Name, out var c) ? c * gpus : null;
            double goodput = report.MakespanSeconds > 0 ? slo.Good / report.MakespanSeconds : 0;
            return new PointResult(values, report, gpus, goodput, slo.Attainment, cost);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // One impossible point (a model too big for a GPU at that TP) must not sink the sweep: it is reported.
            throw new ArgumentException($"sweep point {string.Join(", ", cfg.Grid.Select((g, i) => $"{g.Option}={values[i]}"))}: {e.Message}", e);
        }
    }

    private static void WriteCsv(SweepConfig cfg, PointResult[] results)
    {
        using var w = new StreamWriter(cfg.Output);
        w.WriteLine(string.Join(",", cfg.Grid.Select(g => g.Option)) +
            ",gpus,requests,rejected,ttft_p50_s,ttft_p99_s,tpot_p50_s,tpot_p99_s,e2e_p50_s,e2e_p99_s,requests_per_s,output_tokens_per_s,output_tokens_per_s_per_gpu,goodput_requests_per_s,slo_attainment,preemptions,kv_usage_max,cost_per_hour,cost_per_million_output_tokens,average_power_w,peak_power_w,joules_per_output_token");
        foreach (var r in results)
        {
            var p = r.Report;
            double? perMillion = r.CostPerHour is { } c && p.OutputTokensPerSecond > 0 ? c / (p.OutputTokensPerSecond * 3600 / 1e6) : null;
            w.WriteLine(string.Join(",", r.Values.Select(Csv)) + "," + string.Join(",", new object?[]
            {
                r.Gpus, p.Requests, p.Rejected, p.Ttft.P50, p.Ttft.P99, p.Tpot.P50, p.Tpot.P99, p.E2e.P50, p.E2e.P99, p.RequestsPerSecond,
                p.OutputTokensPerSecond, p.OutputTokensPerSecond / r.Gpus, r.Goodput, r.SloAttainment, p.Preemptions, p.KvUsageMax, r.CostPerHour, perMillion,
                p.Energy?.AveragePowerWatts, p.Energy?.PeakPowerWatts, p.Energy?.JoulesPerOutputToken,
            }.Select(x => x switch { null => "", double d => d.ToString("R", CultureInfo.InvariantCulture), _ => Convert.ToString(x, CultureInfo.InvariantCulture) })));
        }
    }

    private static string Csv(string v) => v.Contains(',') ? $"\"{v.Replace("\"", "\"\"")}\"" : v;
    private static string F(double x) => x.ToString(x >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture);
}
