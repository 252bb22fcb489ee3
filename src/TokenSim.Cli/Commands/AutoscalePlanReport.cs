using System.Globalization;
using Spectre.Console;
using TokenSim.Planning;

namespace TokenSim.Cli.Commands;

/// <summary>Prints an autoscaling plan: every policy tried, cheapest first, and the cheapest that meets the SLOs.</summary>
internal static class AutoscalePlanReport
{
    public static void Print(IAnsiConsole console, IReadOnlyList<AutoscaleResult> results, Slo slo, string deployment)
    {
        var t = new Table().Border(TableBorder.Rounded);
        foreach (var c in new[] { "up", "down", "up cooldown (s)", "down cooldown (s)", "GPU-hours", "cost", $"TTFT p{slo.Percentile * 100:G4} (s)", $"TPOT p{slo.Percentile * 100:G4} (ms)", "max replicas", "meets" })
            t.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in results)
            t.AddRow(G(r.Policy.Up), G(r.Policy.Down), G(r.Policy.UpCooldownSeconds), G(r.Policy.DownCooldownSeconds), F(r.GpuHours, "F3"), F(r.Cost, "F2"),
                F(r.TtftAtPercentile, "F3"), F(r.TpotAtPercentile * 1000, "F1"), r.Replicas.Max(c => c.Provisioned).ToString(CultureInfo.InvariantCulture), r.MeetsSlo ? "yes" : "no");
        console.Write(t);
        if (results.FirstOrDefault(r => r.MeetsSlo) is { } best)
            console.MarkupLine(Markup.Escape($"cheapest policy meeting {slo.Describe()} on {deployment}: up {G(best.Policy.Up)}, down {G(best.Policy.Down)}, cooldowns {G(best.Policy.UpCooldownSeconds)}/{G(best.Policy.DownCooldownSeconds)} s: {best.GpuHours:F3} GPU-hours ({best.Cost:F2})"));
        else console.MarkupLine(Markup.Escape($"no policy tried meets {slo.Describe()} on {deployment}"));
    }

    private static string G(double x) => x.ToString("G", CultureInfo.InvariantCulture);
    private static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);
}
