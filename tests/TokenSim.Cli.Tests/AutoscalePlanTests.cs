using TokenSim.Core.Simulation;
using TokenSim.Core.Simulation.Scenarios;
using TokenSim.Planning;

namespace TokenSim.Cli.Tests;

/// <summary>The search over an autoscaling policy's thresholds: prices from the GPU-hours paid, the cheapest that meets the SLOs.</summary>
public class AutoscalePlanTests
{
    private static readonly KeyValuePair<string, string>[] Base = [new("model", "llama-2-7b"), new("max-model-len", "2048"), new("seed", "1")];

    [Fact]
    public void Search_PricesEachPolicyByItsGpuHours_AndOnlyTheEagerOneScales()
    {
        // 40 requests/s for 50 s, more than one replica serves: its queue grows. A policy whose up threshold is never
        // reached keeps one replica (one GPU) from 0 to the last finish; one at 0.1 s of queue delay adds replicas
        // (up to 3) from its first look at 10 s, each serving 15.8 s later and taking a share of the later arrivals.
        var traffic = Traffic.FromArrivals(Enumerable.Range(0, 2000).Select(i => new RequestSpec(i * 0.025, 500, 200)), "40/s for 50 s");
        var scenario = ScenarioReader.Parse("autoscale: {metric: queue-delay, up: 0.1, down: 0.01, min_replicas: 1, max_replicas: 3, interval_s: 10, up_cooldown_s: 0}\n", "p.yaml");
        var search = new AutoscaleSearch(scenario, [0.1, 1e6], [0.01], [0], [300]);
        var slo = new Slo { TtftSeconds = 1000, Percentile = 0.99 };
        var results = AutoscalePlanner.Search(Base, new CandidateGroup("a100-80g", 1, "vllm-v1"), 2.0, traffic, slo, search, parallel: 2);
        Assert.Equal(2, results.Count);
        var never = results.Single(r => r.Policy.Up == 1e6);
        var eager = results.Single(r => r.Policy.Up == 0.1);
        Assert.Equal(never.EndSeconds / 3600, never.GpuHours, 9);
        Assert.Equal(2.0 * never.GpuHours, never.Cost, 9);
        Assert.Equal(1, never.Replicas.Max(c => c.Provisioned));
        Assert.Equal(3, eager.Replicas.Max(c => c.Provisioned));
        Assert.Equal(new ReplicaCountPoint(10, 1, 2), eager.Replicas[1]);
        // More replicas clear the queue sooner: the eager policy finishes first.
        Assert.True(eager.EndSeconds < never.EndSeconds);
        Assert.True(eager.TtftAtPercentile < never.TtftAtPercentile);
        Assert.True(results[0].Cost <= results[1].Cost);
        Assert.All(results, r => Assert.True(r.MeetsSlo));

        // plan --json: the cheapest policy meeting the SLOs is the best, and each policy's GPU-hours are its replica
        // timeline integrated (replicas paid for × seconds, one GPU each) up to its last finish.
        var json = TokenSim.Planning.Json.AutoscalePlanJson.From("a100-80g tp1 vllm-v1", "p.yaml", slo, results);
        using var stream = new MemoryStream();
        TokenSim.Planning.Json.AutoscalePlanJson.Write(stream, json);
        using var doc = System.Text.Json.JsonDocument.Parse(stream.ToArray());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("found").GetBoolean());
        Assert.Equal(results[0].Cost, root.GetProperty("best").GetProperty("cost").GetDouble(), 12);
        Assert.Equal("queue-delay", root.GetProperty("best").GetProperty("policy").GetProperty("metric").GetString());
        foreach (var p in root.GetProperty("policies").EnumerateArray())
        {
            var points = p.GetProperty("replicas").EnumerateArray().Select(x => (T: x.GetProperty("time_s").GetDouble(), N: x.GetProperty("provisioned").GetInt32())).ToList();
            double end = p.GetProperty("end_s").GetDouble(), seconds = 0;
            for (int i = 0; i < points.Count; i++)
                seconds += points[i].N * Math.Max(0, Math.Min(end, i + 1 < points.Count ? points[i + 1].T : end) - points[i].T);
            Assert.Equal(seconds / 3600, p.GetProperty("gpu_hours").GetDouble(), 9);
        }
    }

    [Fact]
    public void AutoscalePlan_WithTwoGpus_IsOneLineNamingTheCandidates()
    {
        string dir = Directory.CreateTempSubdirectory("tokensim-asplan-").FullName;
        try
        {
            string path = Path.Combine(dir, "p.yaml");
            File.WriteAllLines(path,
            [
                "traffic: {rate: 1, duration_s: 10}",
                "slo: {ttft_s: 1}",
                "candidates: {hardware: [a100-80g, h100-sxm], replicas: {min: 1, max: 2}}",
                "cost_per_gpu_hour: {a100-80g: 1, h100-sxm: 2}",
                "autoscale: {scenario: " + CliProcess.RepoFile("examples", "scenarios", "autoscale.yaml") + "}",
            ]);
            var e = Assert.Throws<FormatException>(() => Commands.PlanConfig.Read(path));
            Assert.Equal($"{path}:3: with autoscale, candidates name one deployment (one hardware, one tp, one scheduler): the policy's thresholds are what is searched.", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
