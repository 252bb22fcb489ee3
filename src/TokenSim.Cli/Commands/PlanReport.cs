using System.Globalization;
using Spectre.Console;
using TokenSim.Planning;

namespace TokenSim.Cli.Commands;

/// <summary>Prints a plan's answer: the choice (or the closest miss), the frontier and the search's counts.</summary>
internal static class PlanReport
{
    public static void Print(IAnsiConsole console, PlanResult r)
    {
        // Descriptions of drawn traffic start with their request count; a live window's does not.
        string count = $"{r.TrafficRequests:N0} requests";
        string span = r.TrafficDescription.StartsWith(count, StringComparison.Ordinal)
            ? $"over {r.TrafficDurationSeconds:F0} s" : $"{count} over {r.TrafficDurationSeconds:F0} s";
        console.MarkupLine($"traffic: {Markup.Escape(r.TrafficDescription)} ({span})");
        console.MarkupLine($"SLOs: {Markup.Escape(r.Slo.Describe())}");
        console.MarkupLine($"search: {r.Considered:N0} configurations considered, {r.SimulatedCount:N0} simulated, {r.Infeasible:N0} cannot run, " +
            $"{r.DecidedWithoutSimulation:N0} decided by {(r.Exhaustive ? "-" : "bisection")}" +
            (r.Pruned > 0 ? $", {r.Pruned:N0} pruned (dearer than the answer)" : "") +
            (r.StoppedEarlyCount > 0 ? $"; {r.StoppedEarlyCount:N0} simulations stopped once certain to miss (partial figures, off the frontier)" : "") +
            $"; {r.WallSeconds:F1} s");
        foreach (var w in r.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        if (r.Best is { } best)
        {
            string what = r.Objective == PlanObjective.Energy ? "least energy per output token meeting the SLOs" : "cheapest meeting the SLOs";
            console.MarkupLine($"[bold green]{what}:[/] {Markup.Escape(best.Candidate.ToString())}, {best.Candidate.Gpus} GPUs, {Money(best.CostPerHour)}/h{(best.JoulesPerOutputToken is { } j ? $", {j.ToString("F3", CultureInfo.InvariantCulture)} J/token" : "")}");
            console.Write(Table("predicted", [best], r.Slo));
        }
        else
        {
            console.MarkupLine("[bold red]no candidate meets the SLOs.[/]" + (r.Closest is { } c ? $" Closest: {Markup.Escape(c.Candidate.ToString())}, {Money(c.CostPerHour)}/h" : ""));
            if (r.Closest is { } closest) console.Write(Table("closest candidate", [closest], r.Slo));
        }
        console.Write(Table("cost–latency frontier (simulated candidates)", r.Frontier, r.Slo));
    }

    private static Table Table(string title, IEnumerable<CandidateResult> rows, Slo slo)
    {
        string p = "p" + (slo.Percentile * 100).ToString("G4", CultureInfo.InvariantCulture);
        var t = new Table().Border(TableBorder.Rounded).Title(title);
        t.AddColumn("candidate");
        foreach (var c in new[] { "GPUs", "$/h", $"TTFT {p} ms", $"TPOT {p} ms", "attainment", "tok/s", "J/token", "W/GPU", "meets" }) t.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in rows)
            t.AddRow(Markup.Escape(r.Candidate.ToString()), r.Candidate.Gpus.ToString(CultureInfo.InvariantCulture), Money(r.CostPerHour),
                Ms(r.TtftAtPercentile), Ms(r.TpotAtPercentile), r.Attainment.ToString("P1", CultureInfo.InvariantCulture),
                r.OutputTokensPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                r.JoulesPerOutputToken is { } j ? j.ToString("F3", CultureInfo.InvariantCulture) : "—",
                r.AveragePowerWatts is { } w ? w.ToString("F0", CultureInfo.InvariantCulture) : "—",
                r.MeetsSlo ? "yes" : r.StoppedEarly ? $"no (stopped: {r.Requests:N0} finished)" : "no");
        return t;
    }

    private static string Money(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
    private static string Ms(double s) => double.IsFinite(s) ? (s * 1000).ToString(s * 1000 >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture) : "—";
}
