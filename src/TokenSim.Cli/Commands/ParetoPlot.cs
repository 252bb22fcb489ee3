using ScottPlot;

namespace TokenSim.Cli.Commands;

/// <summary>
/// Plots every sweep point as throughput per GPU against p99 TTFT (a curve per value of the first grid option when
/// there are several options) and joins the Pareto frontier (more throughput, less latency).
/// </summary>
internal static class ParetoPlot
{
    /// <summary>Writes the plot and returns the frontier, best throughput first.</summary>
    public static IReadOnlyList<SweepCommand.PointResult> Write(string path, IReadOnlyList<SweepCommand.PointResult> points, string[] options)
    {
        var frontier = Frontier(points);
        var plot = new Plot();
        bool curves = options.Length > 1 && points.Select(p => p.Values[0]).Distinct().Count() > 1;
        // The frontier first and wide, so curves that run along it stay visible on top of it.
        var line = plot.Add.Scatter(frontier.Select(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray(), frontier.Select(p => p.Report.Ttft.P99 * 1000).ToArray());
        line.LegendText = "Pareto frontier";
        if (curves)
        {
            line.LineWidth = 6;
            line.MarkerSize = 12;
            line.Color = line.Color.WithAlpha(0.35);
        }
        if (curves)
        {
            // One curve per value of the first option (say, the hardware), through its points in order of throughput:
            // what the other options trade on each, e.g. a latency-throughput curve per GPU as the load grows.
            foreach (var series in points.GroupBy(p => p.Values[0]))
            {
                var ordered = series.OrderBy(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray();
                var curve = plot.Add.Scatter(ordered.Select(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray(), ordered.Select(p => p.Report.Ttft.P99 * 1000).ToArray());
                curve.LegendText = $"{options[0]} {Short(series.Key)}";
                curve.LinePattern = LinePattern.Dashed;
            }
        }
        else
        {
            var all = plot.Add.ScatterPoints(points.Select(p => p.Report.OutputTokensPerSecond / p.Gpus).ToArray(), points.Select(p => p.Report.Ttft.P99 * 1000).ToArray());
            all.LegendText = "configurations";
        }
        // With curves the legend names them; the frontier's points are in the printed table and the CSV.
        foreach (var p in curves ? [] : frontier)
            plot.Add.Text(string.Join(", ", p.Values.Select(Short)), p.Report.OutputTokensPerSecond / p.Gpus, p.Report.Ttft.P99 * 1000).LabelFontSize = 10;
        plot.Title($"sweep over {string.Join(", ", options)}");
        plot.XLabel("output tokens/s per GPU");
        plot.YLabel("TTFT p99 (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 620);
        return frontier;
    }

    /// <summary>A value as a label: a file (a GPU described in YAML, a trace) by its name alone.</summary>
    private static string Short(string value) =>
        value.Contains('/') && !value.Contains(':') ? Path.GetFileNameWithoutExtension(value) : value;

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
