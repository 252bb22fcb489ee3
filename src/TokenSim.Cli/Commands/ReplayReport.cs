using System.Text.Json;
using Spectre.Console;
using TokenSim.Contracts.V1;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands;

/// <summary>The twin's accuracy over a replayed run: its predictions, frozen at arrival, against what was observed.</summary>
internal sealed record ReplayReport(string Run, string Deployment, DeploymentInfo Info, int Requests, int Predicted, MetricComparison Ttft, MetricComparison Tpot, MetricComparison E2e, IReadOnlyList<ReplicaTracking> Replicas, ForecastScores? Forecasts = null)
{
    public static ReplayReport From(string run, DeploymentInfo info, AccuracyReport accuracy, ForecastScores? forecasts = null)
    {
        MetricComparison Of(string name, Func<RequestAccuracy, (bool, double)> observed, Func<RequestAccuracy, (bool, double)> predicted)
        {
            var measured = new List<double>();
            var simulated = new List<double>();
            foreach (var r in accuracy.Requests)
            {
                var (hasO, o) = observed(r);
                var (hasP, p) = predicted(r);
                if (!hasO || !hasP) continue;
                measured.Add(o);
                simulated.Add(p);
            }
            return MetricComparison.Of(name, measured, simulated);
        }
        return new ReplayReport(run, accuracy.Deployment, info, accuracy.Requests.Count, accuracy.Requests.Count(r => r.HasPredictedE2ES),
            Of("TTFT", r => (r.HasObservedTtftS, r.ObservedTtftS), r => (r.HasPredictedTtftS, r.PredictedTtftS)),
            Of("TPOT", r => (r.HasObservedTpotS, r.ObservedTpotS), r => (r.HasPredictedTpotS, r.PredictedTpotS)),
            Of("E2E", r => (r.HasObservedE2ES, r.ObservedE2ES), r => (r.HasPredictedE2ES, r.PredictedE2ES)),
            accuracy.Replicas, forecasts);
    }

    public void Print(IAnsiConsole console)
    {
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        console.MarkupLine($"twin deployment {Markup.Escape(Deployment)}: {Requests} requests, {Predicted} predicted at arrival; perf model {Markup.Escape(Info.ResolvedPerfModel)}, {Info.KvBlocks:N0} KV blocks");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("metric");
        foreach (var c in new[] { "mean", "p50", "p99" }) t.AddColumn(new TableColumn(c).RightAligned());
        t.AddColumn(new TableColumn("per-request MAPE").RightAligned());
        foreach (var m in new[] { Ttft, Tpot, E2e })
        {
            string unit = m.Name == "TPOT" ? "ms" : "s";
            double k = m.Name == "TPOT" ? 1000 : 1;
            t.AddRow($"{m.Name} observed ({unit})", F(m.Measured.Mean * k), F(m.Measured.P50 * k), F(m.Measured.P99 * k), "");
            t.AddRow($"{m.Name} predicted ({unit})", F(m.Simulated.Mean * k), F(m.Simulated.P50 * k), F(m.Simulated.P99 * k), "");
            var e = m.ErrorPct;
            t.AddRow($"[bold]{m.Name} error[/]", Pct(e.Mean), Pct(e.P50), Pct(e.P99), $"{m.PerRequestMapePct:F1}%");
        }
        console.Write(t);
        foreach (var r in Replicas)
            console.MarkupLine($"replica {r.Replica}: {r.Snapshots} engine snapshots; running observed mean {r.ObservedRunningMean:F1}, simulated {r.SimulatedRunningMean:F1}; waiting observed mean {r.ObservedWaitingMean:F1}, simulated {r.SimulatedWaitingMean:F1}");
        if (Forecasts is not null) ReplayForecastScores.Print(console, Forecasts);
    }

    private static string F(double x) => x.ToString(x >= 100 ? "F1" : "F3", System.Globalization.CultureInfo.InvariantCulture);
    private static string Pct(double x) => $"{x:+0.0;-0.0;0.0}%";

    /// <summary>The shape of <c>validate vllm-bench --json</c>: <c>measured</c> is observed, <c>simulated</c> the prediction at arrival.</summary>
    public void WriteJson(string path)
    {
        using var f = File.Create(path);
        using var w = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("run", Run);
        w.WriteString("deployment", Deployment);
        w.WriteString("perf_model", Info.ResolvedPerfModel);
        w.WriteNumber("requests", Requests);
        w.WriteNumber("predicted", Predicted);
        w.WriteNumber("kv_blocks", Info.KvBlocks);
        ValidateBenchCommand.WriteComparisons(w, Ttft, Tpot, E2e);
        w.WriteStartObject("series");
        foreach (var (name, obs, sim) in new (string, Func<ReplicaTracking, double>, Func<ReplicaTracking, double>)[]
                 { ("running", r => r.ObservedRunningMean, r => r.SimulatedRunningMean), ("waiting", r => r.ObservedWaitingMean, r => r.SimulatedWaitingMean) })
        {
            var tracked = Replicas.Where(r => r.Snapshots > 0).ToList();
            if (tracked.Count == 0) continue;
            w.WriteStartObject(name);
            w.WriteNumber("points", tracked.Sum(r => r.Snapshots));
            w.WriteNumber("measured_mean", tracked.Sum(obs));
            w.WriteNumber("simulated_mean", tracked.Sum(sim));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        if (Forecasts is not null) ReplayForecastScores.WriteJson(w, Forecasts);
        w.WriteEndObject();
    }
}
