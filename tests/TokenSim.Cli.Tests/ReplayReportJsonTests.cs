using System.Text.Json;
using TokenSim.Cli.Commands;
using TokenSim.Contracts.V1;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The <c>replay --json</c> document from small hand-made twin replies: its keys in order, what is absent or null
/// in each case, and figures computed here by hand (nearest-rank percentiles, sums over replicas, KV in percent).
/// </summary>
public class ReplayReportJsonTests
{
    private static readonly string[] Comparison = ["measured", "simulated", "error_pct", "per_request_mape_pct", "per_request_abs_error_pct"];
    private static readonly string[] Stat = ["mean", "p50", "p90", "p99"];

    [Fact]
    public void FromRecords_TwoReplicas_KvReported_OneCorrectionUnsized()
    {
        var accuracy = new AccuracyReport { Deployment = "d1" };
        accuracy.Requests.Add(new RequestAccuracy { ObservedTtftS = 2, PredictedTtftS = 2.5, ObservedTpotS = 0.5, PredictedTpotS = 0.5, ObservedE2ES = 4, PredictedE2ES = 5 });
        accuracy.Requests.Add(new RequestAccuracy { ObservedTtftS = 4, PredictedTtftS = 3, ObservedTpotS = 0.25, PredictedTpotS = 0.25, ObservedE2ES = 8, PredictedE2ES = 6 });
        accuracy.Requests.Add(new RequestAccuracy { PredictedTtftS = 1, PredictedE2ES = 2 }); // still running: predicted, not observed
        accuracy.Replicas.Add(new ReplicaTracking
        {
            Replica = 0, Snapshots = 4, ObservedRunningMean = 10, SimulatedRunningMean = 9, ObservedWaitingMean = 2, SimulatedWaitingMean = 3,
            ObservedKvUsageMean = 0.5, SimulatedKvUsageMeanAtObserved = 0.25, SimulatedKvUsageMean = 0.3, KvSnapshots = 3,
            StepCorrection = new StepCorrectionEstimate { KernelScale = 1.25, KernelScaleStderr = 0.5, PrefillStepS = 0.001, PrefillStepStderrS = 0.0005, Windows = 16 },
        });
        accuracy.Replicas.Add(new ReplicaTracking
        {
            Replica = 1, Snapshots = 2, ObservedRunningMean = 6, SimulatedRunningMean = 5, ObservedWaitingMean = 1, SimulatedWaitingMean = 1,
            ObservedKvUsageMean = 0.25, SimulatedKvUsageMeanAtObserved = 0.25, SimulatedKvUsageMean = 0.2, KvSnapshots = 2,
            StepCorrection = new StepCorrectionEstimate { KernelScale = 0.75, PrefillStepS = 0, Windows = 3 },
        });
        var root = Write(ReplayReport.From("runs/x", new DeploymentInfo { ResolvedPerfModel = "roofline", KvBlocks = 1000 }, accuracy));

        Assert.Equal(["run", "deployment", "perf_model", "requests", "predicted", "kv_blocks", "ttft_s", "tpot_s", "e2e_s", "series", "step_correction"], Keys(root));
        Assert.Equal("runs/x", root.GetProperty("run").GetString());
        Assert.Equal("d1", root.GetProperty("deployment").GetString());
        Assert.Equal("roofline", root.GetProperty("perf_model").GetString());
        Assert.Equal(3, root.GetProperty("requests").GetInt32());
        Assert.Equal(3, root.GetProperty("predicted").GetInt32());
        Assert.Equal(1000, root.GetProperty("kv_blocks").GetInt32());

        foreach (var metric in new[] { "ttft_s", "tpot_s", "e2e_s" })
        {
            var m = root.GetProperty(metric);
            Assert.Equal(Comparison, Keys(m));
            foreach (var part in new[] { "measured", "simulated", "error_pct" }) Assert.Equal(Stat, Keys(m.GetProperty(part)));
            Assert.Equal(["p50", "p90"], Keys(m.GetProperty("per_request_abs_error_pct")));
        }
        // TTFT observed [2, 4] against predicted [2.5, 3]: nearest-rank p50 is the first of two, p90 the second.
        var ttft = root.GetProperty("ttft_s");
        Assert.Equal([3.0, 2.0, 4.0, 4.0], Stats(ttft.GetProperty("measured")));
        Assert.Equal([2.75, 2.5, 3.0, 3.0], Stats(ttft.GetProperty("simulated")));
        Assert.Equal(-100.0 / 12, ttft.GetProperty("error_pct").GetProperty("mean").GetDouble(), 12);
        Assert.Equal(25, ttft.GetProperty("error_pct").GetProperty("p50").GetDouble(), 12);
        Assert.Equal(-25, ttft.GetProperty("error_pct").GetProperty("p90").GetDouble(), 12);
        Assert.Equal(25, ttft.GetProperty("per_request_mape_pct").GetDouble(), 12);
        Assert.Equal(0, root.GetProperty("tpot_s").GetProperty("per_request_mape_pct").GetDouble());

        var series = root.GetProperty("series");
        Assert.Equal(["running", "waiting", "kv_cache_pct"], Keys(series));
        // Running and waiting: the replicas' means summed, the deployment's total; KV: their mean, in percent.
        Assert.Equal(["points", "measured_mean", "simulated_mean"], Keys(series.GetProperty("running")));
        Assert.Equal([6.0, 16.0, 14.0], Numbers(series.GetProperty("running")));
        Assert.Equal([6.0, 3.0, 4.0], Numbers(series.GetProperty("waiting")));
        Assert.Equal(["points", "measured_mean", "simulated_mean"], Keys(series.GetProperty("kv_cache_pct")));
        Assert.Equal([5.0, 37.5, 25.0], Numbers(series.GetProperty("kv_cache_pct")));

        var corrections = root.GetProperty("step_correction").EnumerateArray().ToList();
        Assert.Equal(2, corrections.Count);
        Assert.Equal(["replica", "kernel_scale", "kernel_scale_stderr", "prefill_step_s", "prefill_step_stderr_s", "windows"], Keys(corrections[0]));
        Assert.Equal([0, 1.25, 0.5, 0.001, 0.0005, 16], Numbers(corrections[0]));
        // Unsized standard errors are absent, not 0 or null.
        Assert.Equal(["replica", "kernel_scale", "prefill_step_s", "windows"], Keys(corrections[1]));
        Assert.Equal([1, 0.75, 0, 3], Numbers(corrections[1]));
    }

    [Fact]
    public void FromTotals_RecordsEvicted_KvNotRecorded_Forecasts()
    {
        static MetricAccuracy Metric(double observed, double predicted) => new()
        {
            Count = 9, Observed = new DistributionSummary { Mean = observed, P50 = observed, P90 = 2 * observed, P99 = 4 * observed },
            Predicted = new DistributionSummary { Mean = predicted, P50 = predicted, P90 = 2 * predicted, P99 = 4 * predicted },
            AbsErrorMeanPct = 12.5, AbsErrorP50Pct = 10, AbsErrorP90Pct = 20,
        };
        var accuracy = new AccuracyReport
        {
            Deployment = "d2",
            Totals = new AccuracyTotals { RequestsClosed = 10, RecordsEvicted = 7, Ttft = Metric(1, 1.5), Tpot = Metric(0.02, 0.02), E2E = Metric(4, 3) },
        };
        accuracy.Requests.Add(new RequestAccuracy { PredictedE2ES = 3 }); // open: counts in requests, not in the totals
        accuracy.Replicas.Add(new ReplicaTracking { Replica = 0, Snapshots = 5, ObservedRunningMean = 2, SimulatedRunningMean = 2.5, SimulatedKvUsageMean = 0.125 });
        var forecasts = new ForecastScores { Issued = 4, Skipped = 1 };
        forecasts.Scores.Add(new ForecastScore { Metric = "running", HorizonS = 5, Points = 2, Mae = 1.5, NaiveMae = 3, Bias = -0.5, Coverage80 = 0.5, PinballLoss = 0.25 });
        forecasts.Scores.Add(new ForecastScore { Metric = "kv", HorizonS = 5 }); // never scored: left out
        var root = Write(ReplayReport.From("runs/y", new DeploymentInfo { ResolvedPerfModel = "profile:p", KvBlocks = 64 }, accuracy, forecasts));

        Assert.Equal(["run", "deployment", "perf_model", "requests", "predicted", "kv_blocks", "records_evicted", "ttft_s", "tpot_s", "e2e_s", "series", "forecast", "step_correction"], Keys(root));
        Assert.Equal(11, root.GetProperty("requests").GetInt32());
        Assert.Equal(9, root.GetProperty("predicted").GetInt32());
        Assert.Equal(7, root.GetProperty("records_evicted").GetInt64());
        var ttft = root.GetProperty("ttft_s");
        Assert.Equal([1.0, 1.0, 2.0, 4.0], Stats(ttft.GetProperty("measured")));
        Assert.Equal([1.5, 1.5, 3.0, 6.0], Stats(ttft.GetProperty("simulated")));
        Assert.Equal([50.0, 50.0, 50.0, 50.0], Stats(ttft.GetProperty("error_pct")));
        Assert.Equal(12.5, ttft.GetProperty("per_request_mape_pct").GetDouble());
        Assert.Equal([10.0, 20.0], Numbers(ttft.GetProperty("per_request_abs_error_pct")));

        var kv = root.GetProperty("series").GetProperty("kv_cache_pct");
        Assert.Equal(["points", "measured_mean", "measured", "simulated_mean"], Keys(kv));
        Assert.Equal(5, kv.GetProperty("points").GetInt32());
        Assert.Equal(JsonValueKind.Null, kv.GetProperty("measured_mean").ValueKind);
        Assert.Equal("not recorded", kv.GetProperty("measured").GetString());
        Assert.Equal(12.5, kv.GetProperty("simulated_mean").GetDouble());

        var forecast = root.GetProperty("forecast");
        Assert.Equal(["issued", "skipped", "running"], Keys(forecast));
        Assert.Equal(["points", "mae", "naive_mae", "bias", "coverage_80", "pinball_loss"], Keys(forecast.GetProperty("running").GetProperty("h5")));
        Assert.Equal([2, 1.5, 3, -0.5, 0.5, 0.25], Numbers(forecast.GetProperty("running").GetProperty("h5")));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("step_correction").ValueKind);
        Assert.Equal(0, root.GetProperty("step_correction").GetArrayLength());
    }

    [Fact]
    public void NoEngineSnapshots_SeriesIsEmpty()
    {
        var accuracy = new AccuracyReport { Deployment = "d3" };
        accuracy.Requests.Add(new RequestAccuracy { ObservedTtftS = 1, PredictedTtftS = 1, ObservedE2ES = 2, PredictedE2ES = 2 });
        accuracy.Replicas.Add(new ReplicaTracking { Replica = 0 });
        var json = WriteText(ReplayReport.From("runs/z", new DeploymentInfo { ResolvedPerfModel = "roofline", KvBlocks = 8 }, accuracy));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.GetProperty("series").ValueKind);
        Assert.Empty(Keys(doc.RootElement.GetProperty("series")));
        Assert.False(doc.RootElement.TryGetProperty("forecast", out _));
        // Indented as it always was, two spaces; no TPOT observed gives zeros, not NaN.
        Assert.Contains("\n  \"series\": {},\n", json.ReplaceLineEndings("\n"));
        Assert.Equal([0.0, 0.0, 0.0, 0.0], Stats(doc.RootElement.GetProperty("tpot_s").GetProperty("measured")));
    }

    private static string WriteText(ReplayReport report)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-replay-json-{Guid.NewGuid():N}.json");
        try
        {
            report.WriteJson(path);
            return File.ReadAllText(path);
        }
        finally { File.Delete(path); }
    }

    private static JsonElement Write(ReplayReport report)
    {
        using var doc = JsonDocument.Parse(WriteText(report));
        return doc.RootElement.Clone();
    }

    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];
    private static double[] Numbers(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Value.GetDouble())];
    private static double[] Stats(JsonElement e) => [.. Stat.Select(s => e.GetProperty(s).GetDouble())];
}
