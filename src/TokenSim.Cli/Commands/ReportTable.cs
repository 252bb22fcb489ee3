using Spectre.Console;
using TokenSim.Core.Metrics;

namespace TokenSim.Cli.Commands;

/// <summary>Prints a run's summary as a table of latency percentiles plus throughput and memory lines.</summary>
internal static class ReportTable
{
    public static void Print(IAnsiConsole console, SimulationReport r)
    {
        var t = new Table().Border(TableBorder.Rounded).Title("latency (ms)");
        t.AddColumn("metric");
        foreach (var c in new[] { "mean", "p50", "p90", "p99", "max" }) t.AddColumn(new TableColumn(c).RightAligned());
        Row(t, "TTFT", r.Ttft);
        Row(t, "TPOT", r.Tpot);
        Row(t, "ITL", r.Itl);
        Row(t, "E2E", r.E2e);
        Row(t, "queue", r.Queue);
        console.Write(t);
        console.MarkupLine($"requests   {r.Requests:N0} completed, {r.Rejected:N0} rejected, makespan {r.MakespanSeconds:F1} s");
        console.MarkupLine($"throughput {r.RequestsPerSecond:F3} req/s, {r.OutputTokensPerSecond:F1} output tok/s");
        console.MarkupLine($"batches    {r.Steps:N0} steps, size mean {r.BatchSize.Mean:F1} (p99 {r.BatchSize.P99:F0}), tokens mean {r.BatchTokens.Mean:F1} (p99 {r.BatchTokens.P99:F0})");
        console.MarkupLine($"memory     KV use mean {r.KvUsageMean:P1}, max {r.KvUsageMax:P1}; {r.Preemptions:N0} preemptions; prefix cache hit rate {r.PrefixCacheHitRate:P1}");
        console.MarkupLine($"wall       {r.WallSeconds:F2} s");
    }

    private static void Row(Table t, string name, Distribution d) =>
        t.AddRow(name, Ms(d.Mean), Ms(d.P50), Ms(d.P90), Ms(d.P99), Ms(d.Max));

    private static string Ms(double seconds) => (seconds * 1000).ToString(seconds * 1000 >= 100 ? "F0" : "F2", System.Globalization.CultureInfo.InvariantCulture);
}
