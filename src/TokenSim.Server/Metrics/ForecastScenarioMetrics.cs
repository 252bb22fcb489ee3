using System.Globalization;
using Prometheus;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Metrics;

/// <summary>
/// The standing scenario's refreshed forecasts (<c>--forecast-scenario</c>): the deployment's totals with and without
/// it (<c>case</c>), same seeds and live state, by horizon (<c>tokensim_forecast_scenario_*</c>, docs/metrics.md).
/// </summary>
public sealed class ForecastScenarioMetrics
{
    public const string Requests = "tokensim_forecast_scenario_requests";
    public const string KvUsage = "tokensim_forecast_scenario_kv_usage_ratio";
    public const string Ttft = "tokensim_forecast_scenario_ttft_seconds";
    public const string Replicas = "tokensim_forecast_scenario_replicas";
    public const string GpuHours = "tokensim_forecast_scenario_gpu_hours";
    public const string Refreshes = "tokensim_forecast_scenario_refreshes_total";

    private readonly Gauge _requests, _kv, _ttft, _replicas, _gpuHours;
    private readonly Counter _refreshes;

    public ForecastScenarioMetrics(CollectorRegistry registry)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _requests = f.CreateGauge(Requests, "Forecast requests running or waiting (state) in the whole deployment this many seconds (horizon) ahead, with or without (case) the server's standing scenario: expected over the seeds, or the p10, p50 or p90.", "deployment", "horizon", "case", "state", "stat");
        _kv = f.CreateGauge(KvUsage, "Forecast mean KV cache use of the deployment's replicas this many seconds ahead, with or without the standing scenario: expected, p10, p50 or p90.", "deployment", "horizon", "case", "stat");
        _ttft = f.CreateGauge(Ttft, "Forecast TTFT (p50 or p90) of the deployment's requests whose first token comes in the step ending this many seconds ahead, with or without the standing scenario; absent when none does.", "deployment", "horizon", "case", "stat");
        _replicas = f.CreateGauge(Replicas, "Replicas serving or paid for (kind: serving, provisioned) this many seconds ahead, mean over the seeds, with or without a standing scenario that autoscales or adds replicas; absent otherwise.", "deployment", "horizon", "case", "kind");
        _gpuHours = f.CreateGauge(GpuHours, "GPU-hours the deployment pays for over the forecast's horizon, mean over the seeds, with or without a standing scenario that autoscales or adds replicas; absent otherwise.", "deployment", "case");
        _refreshes = f.CreateCounter(Refreshes, "Refreshed forecasts under the standing scenario, by outcome (ok, failed: e.g. it names a replica the deployment lacks).", "deployment", "outcome");
    }

    private static string S(double x) => x.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sets the gauges of a forecast with the scenario and of its <see cref="DeploymentForecast.WithoutScenario"/>.</summary>
    public void Forecast(DeploymentForecast with, IReadOnlyList<double> horizons)
    {
        _refreshes.WithLabels(with.Deployment, "ok").Inc();
        Case(with, "with", horizons);
        if (with.WithoutScenario is { } without) Case(without, "without", horizons);
    }

    public void Failed(string deployment) => _refreshes.WithLabels(deployment, "failed").Inc();

    private void Case(DeploymentForecast f, string c, IReadOnlyList<double> horizons)
    {
        string d = f.Deployment;
        var steps = ForecastSummary.Of(f.Replicas, f.Spec.StepSeconds);
        if (steps.Length == 0) return;
        foreach (double h in horizons)
        {
            int k = Math.Clamp((int)Math.Round(h / f.Spec.StepSeconds) - 1, 0, steps.Length - 1);
            var s = steps[k];
            string hl = S(h);
            Spread(_requests, s.Running, d, hl, c, "running");
            Spread(_requests, s.Waiting, d, hl, c, "waiting");
            Spread(_kv, s.KvUsage, d, hl, c);
            Latency("p50", s.Ttft.P50);
            Latency("p90", s.Ttft.P90);
            Fleet("serving", f.ServingReplicas);
            Fleet("provisioned", f.ProvisionedReplicas);

            void Latency(string stat, double? value)
            {
                // No request got its first token within the step: an old value would be a claim about this forecast.
                if (value is { } v) _ttft.WithLabels(d, hl, c, stat).Set(v); else _ttft.RemoveLabelled(d, hl, c, stat);
            }

            void Fleet(string kind, float[][]? perSeed)
            {
                if (perSeed is null) _replicas.RemoveLabelled(d, hl, c, kind);
                else _replicas.WithLabels(d, hl, c, kind).Set(perSeed.Average(seed => seed[k]));
            }
        }
        if (f.GpuHours is { } hours) _gpuHours.WithLabels(d, c).Set(hours.Average()); else _gpuHours.RemoveLabelled(d, c);
    }

    private static void Spread(Gauge g, SeedSpread x, params string[] labels)
    {
        g.WithLabels([.. labels, "expected"]).Set(x.Expected);
        g.WithLabels([.. labels, "p10"]).Set(x.P10);
        g.WithLabels([.. labels, "p50"]).Set(x.P50);
        g.WithLabels([.. labels, "p90"]).Set(x.P90);
    }
}
