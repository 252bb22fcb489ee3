using Prometheus;
using TokenSim.Contracts.V1;
using TokenSim.Server.Metrics;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>The last plan's answer as gauges: the chosen configuration's series, replaced by the next answer's.</summary>
public sealed class PlanAnswerMetricsTests
{
    private static async Task<string> TextAsync(CollectorRegistry registry)
    {
        using var ms = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public async Task Answered_ExportsTheChosenConfiguration_AndANewAnswerReplacesIt()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var answers = new PlanAnswerMetrics(new TokenSimMetrics(registry));
        var best = new CandidateMetrics { Hardware = "h100-sxm", TensorParallel = 2, Scheduler = "sarathi", Replicas = 3, Gpus = 6, CostPerHour = 19.2, TtftS = 0.41, TpotS = 0.031, Attainment = 0.995, MeetsSlo = true };
        answers.Answered(new PlanResult { Found = true, Best = best, SimulatedCount = 17, WallS = 42.5 }, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        string text = await TextAsync(registry);
        const string labels = "{answer=\"best\",hardware=\"h100-sxm\",tensor_parallel=\"2\",scheduler=\"sarathi\"}";
        Assert.Contains($"tokensim_plan_last_replicas{labels} 3\n", text);
        Assert.Contains($"tokensim_plan_last_gpus{labels} 6\n", text);
        Assert.Contains($"tokensim_plan_last_cost_per_hour{labels} 19.2\n", text);
        Assert.Contains($"tokensim_plan_last_ttft_seconds{labels} 0.41\n", text);
        Assert.Contains($"tokensim_plan_last_attainment_ratio{labels} 0.995\n", text);
        Assert.Contains("tokensim_plan_last_found 1\n", text);
        Assert.Contains("tokensim_plan_last_candidates_simulated 17\n", text);
        Assert.Contains("tokensim_plan_last_completed_timestamp_seconds 1800000000\n", text);

        // None meets the SLOs: the closest is the answer, and the best's series are gone.
        var closest = new CandidateMetrics { Hardware = "a100-80g", TensorParallel = 1, Scheduler = "vllm-v1", Replicas = 10, Gpus = 10, CostPerHour = 18 };
        answers.Answered(new PlanResult { Found = false, Closest = closest, SimulatedCount = 5 }, DateTimeOffset.FromUnixTimeSeconds(1_800_000_060));
        text = await TextAsync(registry);
        Assert.DoesNotContain("h100-sxm", text);
        Assert.Contains("tokensim_plan_last_replicas{answer=\"closest\",hardware=\"a100-80g\",tensor_parallel=\"1\",scheduler=\"vllm-v1\"} 10\n", text);
        Assert.Contains("tokensim_plan_last_found 0\n", text);
        Assert.Contains("tokensim_plan_last_completed_timestamp_seconds 1800000060\n", text);

        // A plan with no candidate at all leaves no answer series.
        answers.Answered(new PlanResult { Found = false }, DateTimeOffset.FromUnixTimeSeconds(1_800_000_120));
        Assert.DoesNotContain("tokensim_plan_last_replicas{", await TextAsync(registry));
    }
}
