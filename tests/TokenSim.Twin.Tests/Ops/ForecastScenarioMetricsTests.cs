using Prometheus;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>The standing scenario's forecast as gauges: the deployment's totals with and without it, by horizon.</summary>
public sealed class ForecastScenarioMetricsTests
{
    private static async Task<string> TextAsync(CollectorRegistry registry)
    {
        using var ms = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>One step of 10 s, two seeds: running per seed as given, nothing waiting, KV use 0.5, one TTFT of 0.2 s.</summary>
    private static ReplicaForecast Replica(int index, float seed0, float seed1) => new()
    {
        Replica = index, ClockSeconds = 100, StepSeconds = 10, Traffic = TrafficEstimate.None,
        Running = [[seed0], [seed1]], Waiting = [[0], [0]], KvUsage = [[0.5f], [0.5f]],
        TtftSeconds = [[0.2]], TpotSeconds = [[]], KvExhaustedSeconds = [double.NaN, double.NaN],
    };

    [Fact]
    public async Task WithAndWithout_AreTheDeploymentsTotals_AndTheFleetSeriesOnlyWhenSimulatedAsOne()
    {
        // With: replica 0 runs 2 and 4 in the two seeds, replica 1 runs 1 and 1: totals 3 and 5, expected 4; an
        // autoscaler serving 2 then 3 replicas (mean 2.5), paying 0.25 and 0.75 GPU-hours (mean 0.5). Without: 1 + 1 in
        // both seeds, expected 2, and no fleet series.
        var spec = new ForecastSpec { HorizonSeconds = 10, StepSeconds = 10, Seeds = 2 };
        var without = new DeploymentForecast("d", spec, 0, [Replica(0, 1, 1), Replica(1, 1, 1)]);
        var scenario = new DeploymentForecast("d", spec, 0, [Replica(0, 2, 4), Replica(1, 1, 1)], without)
        {
            ServingReplicas = [[2], [3]], ProvisionedReplicas = [[3], [3]], GpuHours = [0.25, 0.75],
        };
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new ForecastScenarioMetrics(registry);
        metrics.Forecast(scenario, [10]);
        string text = await TextAsync(registry);
        Assert.Contains("tokensim_forecast_scenario_requests{deployment=\"d\",horizon=\"10\",case=\"with\",state=\"running\",stat=\"expected\"} 4\n", text);
        Assert.Contains("tokensim_forecast_scenario_requests{deployment=\"d\",horizon=\"10\",case=\"without\",state=\"running\",stat=\"expected\"} 2\n", text);
        Assert.Contains("tokensim_forecast_scenario_requests{deployment=\"d\",horizon=\"10\",case=\"with\",state=\"waiting\",stat=\"p90\"} 0\n", text);
        Assert.Contains("tokensim_forecast_scenario_kv_usage_ratio{deployment=\"d\",horizon=\"10\",case=\"with\",stat=\"p50\"} 0.5\n", text);
        Assert.Contains("tokensim_forecast_scenario_ttft_seconds{deployment=\"d\",horizon=\"10\",case=\"without\",stat=\"p90\"} 0.2\n", text);
        Assert.Contains("tokensim_forecast_scenario_replicas{deployment=\"d\",horizon=\"10\",case=\"with\",kind=\"serving\"} 2.5\n", text);
        Assert.Contains("tokensim_forecast_scenario_replicas{deployment=\"d\",horizon=\"10\",case=\"with\",kind=\"provisioned\"} 3\n", text);
        Assert.Contains("tokensim_forecast_scenario_gpu_hours{deployment=\"d\",case=\"with\"} 0.5\n", text);
        Assert.DoesNotContain("case=\"without\",kind=", text);
        Assert.DoesNotContain("tokensim_forecast_scenario_gpu_hours{deployment=\"d\",case=\"without\"}", text);
        Assert.Contains("tokensim_forecast_scenario_refreshes_total{deployment=\"d\",outcome=\"ok\"} 1\n", text);

        // A scenario forecast replica by replica (no autoscaler) next: the fleet series are gone.
        metrics.Forecast(scenario with { ServingReplicas = null, ProvisionedReplicas = null, GpuHours = null }, [10]);
        text = await TextAsync(registry);
        Assert.DoesNotContain("tokensim_forecast_scenario_replicas{", text);
        Assert.DoesNotContain("tokensim_forecast_scenario_gpu_hours{", text);
        metrics.Failed("d");
        Assert.Contains("tokensim_forecast_scenario_refreshes_total{deployment=\"d\",outcome=\"failed\"} 1\n", await TextAsync(registry));
    }
}
