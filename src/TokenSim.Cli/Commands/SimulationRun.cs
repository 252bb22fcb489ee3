using System.Diagnostics;
using Spectre.Console;
using TokenSim.Core.Energy;
using TokenSim.Core.Entities;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Cli.Commands;

/// <summary>Builds the simulator from settings, runs it (with a progress bar past one second), prints and writes results.</summary>
internal static class SimulationRun
{
    public static int Execute(SimulateSettings s)
    {
        var wall = Stopwatch.StartNew();
        var (sim, spec, workload) = Build(s, s.TimeseriesCsv is null && s.Plots is null ? 0 : s.TimeseriesInterval);
        var model = spec.Model;
        RequestCsvWriter? csv = s.RequestsCsv is null ? null : new RequestCsvWriter(s.RequestsCsv);
        ChromeTraceWriter? trace = s.Trace is null ? null : new ChromeTraceWriter(s.Trace);
        string? noEnergy = "no energy figures: --energy false";
        var energy = s.Energy ?? true ? EnergyMeter.For(sim, out noEnergy) : null;
        var observers = new ISimulationObserver?[] { csv, trace }.OfType<ISimulationObserver>().ToArray();
        sim.Observer = observers.Length switch { 0 => null, 1 => observers[0], _ => new CompositeObserver(observers) };
        sim.StepMeter = energy;

        var console = AnsiConsole.Console;
        // Redirected output (logs, CI) would otherwise wrap at 80 columns mid-sentence.
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        string deployment = DeploymentHeader.Describe(sim, spec, s);
        console.MarkupLine($"[bold]{Markup.Escape(TerminalText.Escape(model.Name))}[/] on {Markup.Escape(deployment)}, scheduler {Markup.Escape(spec.Scheduler)}, {spec.NumGpuBlocks:N0} KV blocks of {spec.BlockSize} tokens per replica{(spec.Memory.BlocksGiven ? " (given)" : $" (derived: {spec.Memory.KvBytes / 1e9:F2} GB for KV)")}");
        // Written as is: a long list of operators must stay on one line for whoever greps the header.
        Console.WriteLine(TerminalText.Escape(PerfModelLine.Of(sim.ExecutionTimeOf(0), spec)));
        console.MarkupLine($"workload: {Markup.Escape(TerminalText.Escape(workload.Description))}");
        foreach (var note in workload.Notes) console.MarkupLine($"[yellow]note:[/] {Markup.Escape(TerminalText.Escape(note))}");

        if (s.Scenario is not null && sim.StartupSeconds is { } startup)
            console.MarkupLine($"scenario: {Markup.Escape(TerminalText.Escape(s.Scenario))}, a new replica serves {startup:F1} s after it is added");
        RunWithProgress(sim, workload.Source.Count, console);
        csv?.Dispose();
        trace?.Dispose();
        var report = SimulationReport.From(sim, wall.Elapsed.TotalSeconds, energy, s.CostPerGpuHour);
        ReportTable.Print(console, report);
        console.MarkupLine(Markup.Escape(TerminalText.Escape(EnergyLine(report, noEnergy))));
        if (s.Json is not null)
        {
            using var f = File.Create(s.Json);
            report.WriteJson(f);
        }
        if (s.TimeseriesCsv is not null) TimeSeriesCsv.Write(s.TimeseriesCsv, sim.Metrics.TimeSeries);
        if (sim.GpuHours is { } gpuHours)
        {
            var counts = sim.ReplicaCounts;
            console.MarkupLine($"replicas: {counts.Min(c => c.Serving)} to {counts.Max(c => c.Serving)} serving, {counts.Count - 1} changes; {gpuHours:F3} GPU-hours paid for over {sim.Metrics.LastFinish:F1} s");
            if (s.ReplicasCsv is not null) ReplicaCountsCsv.Write(s.ReplicasCsv, counts, sim.Metrics.LastFinish);
            if (s.Plots is not null) console.MarkupLine($"plot: {Markup.Escape(TerminalText.Escape(PlotWriter.Replicas(s.Plots, $"{model.Name}: replicas over time", counts, sim.Metrics.LastFinish)))}");
        }
        if (s.Plots is not null)
        {
            foreach (var file in PlotWriter.Write(s.Plots, sim.Metrics, sim.Replicas.Count, $"{model.Name} on {deployment}, {spec.Scheduler}"))
                console.MarkupLine($"plot: {Markup.Escape(TerminalText.Escape(file))}");
        }
        return 0;
    }

    /// <summary>The summary's energy and cost line; <paramref name="noEnergy"/> says why energy is missing when it is.</summary>
    internal static string EnergyLine(SimulationReport r, string? noEnergy)
    {
        string cost = r.CostPerMillionOutputTokens is { } c ? FormattableString.Invariant($"; cost {c:F3} per million output tokens at the given GPU-hour price") : "";
        if (r.Energy is not { } e) return (noEnergy ?? "no energy figures") + cost;
        string perToken = e.JoulesPerOutputToken is { } j ? FormattableString.Invariant($"{j:F3} J per output token") : "no output tokens";
        return FormattableString.Invariant(
            $"energy: {e.Joules / 3.6e6:F4} kWh, {perToken}; per GPU {e.AveragePowerWatts:F0} W average, {e.PeakPowerWatts:F0} W peak ({e.StaticJoules / e.Joules:P0} static){cost}");
    }

    /// <summary>Builds the simulator a set of settings describes, with its workload attached.</summary>
    public static (Simulator Sim, ReplicaSpec Spec, WorkloadSpec.Built Workload) Build(SimulateSettings s, double timeSeriesInterval = 0) => s.Build(timeSeriesInterval);

    /// <summary>Runs silently for the first second; a longer run gets a progress bar on an interactive terminal.</summary>
    private static void RunWithProgress(Simulator sim, long? total, IAnsiConsole console)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 1000)
        {
            if (!StepMany(sim, 50_000)) return;
        }
        if (!console.Profile.Capabilities.Interactive || total is null)
        {
            sim.Run();
            return;
        }
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("simulating", maxValue: total.Value);
                while (StepMany(sim, 200_000)) task.Value = sim.Metrics.Completed + sim.Metrics.Rejected;
                task.Value = total.Value;
            });
    }

    private static bool StepMany(Simulator sim, int events) => sim.RunEvents(events);
}
