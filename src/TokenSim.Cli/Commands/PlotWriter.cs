using ScottPlot;
using TokenSim.Core.Metrics;

namespace TokenSim.Cli.Commands;

/// <summary>Renders a run's metrics as PNG plots with ScottPlot: latency CDFs, KV use, running and waiting over time, batch sizes.</summary>
internal static class PlotWriter
{
    private const int Width = 900, Height = 520;

    public static IReadOnlyList<string> Write(string dir, SimulationMetrics m, int replicas, string title)
    {
        Directory.CreateDirectory(dir);
        var files = new List<string>
        {
            // Separate plots, because E2E is seconds where TPOT is milliseconds.
            Cdf(Path.Combine(dir, "ttft-cdf.png"), title, "latency (ms)", ("TTFT", m.Ttft), ("queue", m.Queue)),
            Cdf(Path.Combine(dir, "tpot-itl-cdf.png"), title, "latency (ms)", ("TPOT", m.Tpot), ("ITL", m.Itl)),
            Cdf(Path.Combine(dir, "e2e-cdf.png"), title, "latency (ms)", ("E2E", m.E2e)),
            Cdf(Path.Combine(dir, "batch-size-cdf.png"), title, "sequences per step", ("batch size", m.BatchSize)),
        };
        if (m.TimeSeries.Count > 0)
        {
            files.Add(OverTime(Path.Combine(dir, "kv-usage.png"), title, "KV use (%)", m, replicas, p => 100 * p.KvUsage));
            files.Add(OverTime(Path.Combine(dir, "running.png"), title, "running requests", m, replicas, p => p.Running));
            files.Add(OverTime(Path.Combine(dir, "waiting.png"), title, "waiting requests", m, replicas, p => p.Waiting));
        }
        return files;
    }

    /// <summary>One CDF per histogram, read off its quantiles; latencies in ms (a "batch size" is plotted as is).</summary>
    private static string Cdf(string path, string title, string xLabel, params (string Name, LogHistogram H)[] series)
    {
        var plot = new Plot();
        foreach (var (name, h) in series)
        {
            if (h.Count == 0) continue;
            double scale = xLabel.EndsWith("(ms)", StringComparison.Ordinal) ? 1000 : 1;
            var qs = Enumerable.Range(0, 201).Select(i => i / 200.0).ToArray();
            var line = plot.Add.Scatter(qs.Select(q => h.Quantile(q) * scale).ToArray(), qs);
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("fraction of samples");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Replicas serving and paid for over time, as steps (a scenario's changes and its autoscaler).</summary>
    public static string Replicas(string dir, string title, IReadOnlyList<Core.Simulation.Scenarios.ReplicaCountPoint> points, double end)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "replicas.png");
        var plot = new Plot();
        var times = points.Select(p => p.Time).Append(Math.Max(end, points[^1].Time)).ToArray();
        foreach (var (name, get) in new (string, Func<Core.Simulation.Scenarios.ReplicaCountPoint, int>)[] { ("provisioned (paid for)", p => p.Provisioned), ("serving", p => p.Serving) })
        {
            var ys = points.Select(p => (double)get(p)).Append(get(points[^1])).ToArray();
            var line = plot.Add.Scatter(times, ys);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel("simulated time (s)");
        plot.YLabel("replicas");
        // From 0 and half a replica above the most, so the top step is not drawn on the frame.
        plot.Axes.SetLimitsY(0, points.Max(p => p.Provisioned) + 0.5);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string OverTime(string path, string title, string yLabel, SimulationMetrics m, int replicas, Func<TimeSeriesPoint, double> value)
    {
        var plot = new Plot();
        for (int r = 0; r < replicas; r++)
        {
            var points = m.TimeSeries.Where(p => p.Replica == r).ToArray();
            var line = plot.Add.Scatter(points.Select(p => p.Time).ToArray(), points.Select(value).ToArray());
            line.LegendText = $"replica {r}";
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel("simulated time (s)");
        plot.YLabel(yLabel);
        if (replicas <= 8) plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
