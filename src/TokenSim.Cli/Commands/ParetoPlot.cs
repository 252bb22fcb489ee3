using ScottPlot;

namespace TokenSim.Cli.Commands;

/// <summary>Plots every sweep point as throughput per GPU against p99 TTFT and joins the Pareto frontier (more throughput, less latency).</summary>
internal static class ParetoPlot
{
    /// <summary>Writes the plot and returns the frontier, best throughput first.</summary>
    public static IReadOnlyList<SweepCommand.PointResult> Write(string path, IReadOnlyList<SweepCommand.PointResult> points, string[] options)
    {
        var frontier = Frontier(points);
        var plot = new Plot();
        var all = plot.Add.ScatterPoints(points.Select(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray(), points.Select(p => p.Report.Ttft.P99 * 1000).ToArray());
        all.LegendText = "configurations";
        var line = plot.Add.Scatter(frontier.Select(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray(), frontier.Select(p => p.Report.Ttft.P99 * 1000).ToArray());
        line.LegendText = "Pareto frontier";
        foreach (var p in frontier)
            plot.Add.Text(string.Join(", ", p.Values), p.Report.OutputTokensPerSecond / p.Gpus, p.Report.Ttft.P99 * 1000).LabelFontSize = 10;
        plot.Title($"sweep over {string.Join(", ", options)}");
        plot.XLabel("output tokens/s per GPU");
        plot.YLabel("TTFT p99 (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 620);
        return frontier;
    }

    /// <summary>Points no other point beats on both axes (higher throughput per GPU and lower p99 TTFT).</summary>
    public static List<SweepCommand.PointResult> Frontier(IReadOnlyList<SweepCommand.PointResult> points)
    {
        var sorted = points.OrderByDescending(p => p.Report.OutputTokensPerSecond / p.Gpus).ThenBy(p => p.Report.Ttft.P99).ToList();
        var frontier = new List<SweepCommand.PointResult>();
        double best = double.PositiveInfinity;
        foreach (var p in sorted)
            if (p.Report.Ttft.P99 < best) { frontier.Add(p); best = p.Report.Ttft.P99; }
        return frontier;
    }
}
