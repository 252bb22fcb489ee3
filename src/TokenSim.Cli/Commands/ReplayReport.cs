using System.Text.Json;
using Spectre.Console;
using TokenSim.Cli.Commands.Json;
using TokenSim.Contracts.V1;
using TokenSim.Core.Validation;

namespace TokenSim.Cli.Commands;

/// <summary>The twin's accuracy over a replayed run: its predictions, frozen at arrival, against what was observed.</summary>
internal sealed record ReplayReport(string Run, string Deployment, DeploymentInfo Info, int Requests, int Predicted, MetricComparison Ttft, MetricComparison Tpot, MetricComparison E2e, IReadOnlyList<ReplicaTracking> Replicas, ForecastScores? Forecasts = null)
{
    /// <summary>Closed requests whose records the twin evicted: the comparisons then come from its streaming totals.</summary>
    public long Evicted { get; init; }

    public static ReplayReport From(string run, DeploymentInfo info, AccuracyReport accuracy, ForecastScores? forecasts = null)
    {
        if (accuracy.Totals is { RecordsEvicted: > 0 } totals)
        {
            // The kept records are a recent subset: the totals cover every closed request (quantiles within 1%).
            MetricComparison FromTotals(string name, MetricAccuracy m) => new(name, Summary(m.Observed), Summary(m.Predicted), m.AbsErrorMeanPct, m.AbsErrorP50Pct, m.AbsErrorP90Pct);
            return new ReplayReport(run, accuracy.Deployment, info, (int)(totals.RequestsClosed + accuracy.Requests.Count(r => !r.HasObservedE2ES)), (int)totals.E2E.Count,
                FromTotals("TTFT", totals.Ttft), FromTotals("TPOT", totals.Tpot), FromTotals("E2E", totals.E2E), accuracy.Replicas, forecasts) { Evicted = totals.RecordsEvicted };
        }
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

    private static Stats Summary(DistributionSummary d) => new(d.Mean, d.P50, d.P90, d.P99);

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
        if (Evicted > 0) console.MarkupLine($"{Evicted:N0} closed requests' records were evicted by the twin's record bound: figures from its streaming totals");
        foreach (var r in Replicas)
            console.MarkupLine($"replica {r.Replica}: {r.Snapshots} engine snapshots; running observed mean {r.ObservedRunningMean:F1}, simulated {r.SimulatedRunningMean:F1}; waiting observed mean {r.ObservedWaitingMean:F1}, simulated {r.SimulatedWaitingMean:F1}; {Kv(r)}{Correction(r.StepCorrection)}");
        if (Forecasts is not null) ReplayForecastScores.Print(console, Forecasts);
    }

    /// <summary>The online step correction the replica ended with, ± one standard error where the fit sized it.</summary>
    private static string Correction(StepCorrectionEstimate? c) => c is null || c.Windows == 0 ? "" :
        $"; step correction: kernel scale {c.KernelScale:F3}{(c.HasKernelScaleStderr ? $" ± {c.KernelScaleStderr:F3}" : "")}, " +
        $"per-prefill-step cost {c.PrefillStepS * 1e3:F2}{(c.HasPrefillStepStderrS ? $" ± {c.PrefillStepStderrS * 1e3:F2}" : "")} ms over {c.Windows} decode windows";

    /// <summary>KV use, observed only where the engine reported it: a run that did not record it says so, never 0%.</summary>
    private static string Kv(ReplicaTracking r) => r.HasObservedKvUsageMean
        ? $"KV use observed mean {100 * r.ObservedKvUsageMean:F1}%, simulated {100 * r.SimulatedKvUsageMeanAtObserved:F1}% (over the {r.KvSnapshots} snapshots that reported it)"
        : $"KV use observed not recorded, simulated mean {100 * r.SimulatedKvUsageMean:F1}%";

    private static string F(double x) => x.ToString(x >= 100 ? "F1" : "F3", System.Globalization.CultureInfo.InvariantCulture);
    private static string Pct(double x) => $"{x:+0.0;-0.0;0.0}%";

    /// <summary>The shape of <c>validate vllm-bench --json</c> (<see cref="ReplayJson"/>): <c>measured</c> is observed, <c>simulated</c> the prediction at arrival.</summary>
    public void WriteJson(string path)
    {
        using var f = File.Create(path);
        JsonSerializer.Serialize(f, ReplayJson.From(this), CliJsonContext.Default.ReplayJson);
    }
}
