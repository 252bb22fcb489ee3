using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class PlanCommandTests
{
    private const string Good = """
        base: {model: llama-3.1-8b, max-model-len: 8192, seed: 5}
        traffic: {rate: 6, duration_s: 50, lengths: azure-conv}
        slo: {percentile: 0.9, ttft_s: 0.25, tpot_s: 0.03}
        candidates:
          hardware: [a100-80g, l40s]
          tp: [1]
          replicas: {min: 1, max: 4}
          scheduler: [vllm-v1]
        cost_per_gpu_hour: {a100-80g: 1.8, l40s: 1.0}
        """;

    [Fact]
    public void Offline_PrintsTheChoiceAndFrontier_AndWritesJson()
    {
        var cfg = CliProcess.Temp("yaml");
        var json = CliProcess.Temp("json");
        File.WriteAllText(cfg, Good);
        var (code, stdout, stderr) = CliProcess.Run("plan", "--offline", "--config", cfg, "--json", json);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("8 configurations", stdout);
        Assert.Contains("cheapest meeting the SLOs:", stdout);
        Assert.Contains("cost–latency frontier", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.True(root.GetProperty("found").GetBoolean());
        var best = root.GetProperty("best");
        Assert.True(best.GetProperty("meets_slo").GetBoolean());
        Assert.Equal(8, root.GetProperty("search").GetProperty("considered").GetInt64());
        var search = root.GetProperty("search");
        long simulated = search.GetProperty("simulated").GetInt64();
        Assert.Equal(simulated, root.GetProperty("simulated").GetArrayLength());
        // Every configuration is simulated, cannot run, is settled by the search or is pruned as dearer than the answer.
        Assert.Equal(8, simulated + search.GetProperty("infeasible").GetInt64() + search.GetProperty("decided_without_simulation").GetInt64()
            + search.GetProperty("pruned").GetInt64());
        // A stopped run says so, and how far it got; the answer never is one.
        long stopped = root.GetProperty("simulated").EnumerateArray().Count(c => c.GetProperty("stopped_early").ValueKind == JsonValueKind.Object);
        Assert.Equal(search.GetProperty("stopped_early").GetInt64(), stopped);
        Assert.Equal(JsonValueKind.Null, best.GetProperty("stopped_early").ValueKind);
        Assert.Equal(300, root.GetProperty("traffic").GetProperty("requests").GetInt64());
        // The answer is the cheapest of the candidates that were simulated and meet the SLOs.
        double cheapest = root.GetProperty("simulated").EnumerateArray().Where(c => c.GetProperty("meets_slo").GetBoolean())
            .Min(c => c.GetProperty("cost_per_hour").GetDouble());
        Assert.Equal(cheapest, best.GetProperty("cost_per_hour").GetDouble());
        File.Delete(cfg);
        File.Delete(json);
    }

    [Fact]
    public void Offline_EnergyObjective_ChoosesTheLeastJoulesPerTokenAmongThoseMeeting()
    {
        var cfg = CliProcess.Temp("yaml");
        var json = CliProcess.Temp("json");
        File.WriteAllText(cfg, Good + "\nobjective: energy\n");
        var (code, stdout, stderr) = CliProcess.Run("plan", "--offline", "--config", cfg, "--json", json);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("least energy per output token meeting the SLOs:", stdout);
        Assert.Contains("J/token", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("energy", root.GetProperty("objective").GetString());
        var meeting = root.GetProperty("simulated").EnumerateArray().Where(c => c.TryGetProperty("meets_slo", out var m) && m.GetBoolean()).ToList();
        Assert.NotEmpty(meeting);
        double least = meeting.Min(c => c.GetProperty("joules_per_output_token").GetDouble());
        Assert.Equal(least, root.GetProperty("best").GetProperty("joules_per_output_token").GetDouble());
        File.Delete(cfg);
        File.Delete(json);
    }

    [Theory]
    [InlineData("cost_per_gpu_hour: {a100-80g: 1.8, l40s: 1.0}", "cost_per_gpu_hour: {a100-80g: 1.8, l40s: 1.0}\nobjective: speed", ":10: 'objective: speed' must be cost or energy.")]
    [InlineData("slo: {percentile: 0.9, ttft_s: 0.25, tpot_s: 0.03}", "slo: {percentile: 0.9, ttft_s: fast}", ":3: 'slo.ttft_s: fast' must be a positive number.")]
    [InlineData("hardware: [a100-80g, l40s]", "hardware: []", ":5: candidates.hardware is empty: list at least one GPU.")]
    [InlineData("hardware: [a100-80g, l40s]", "hardware: [a100-80g, tpu-v9]", ":5: candidates.hardware: unknown GPU 'tpu-v9'.")]
    [InlineData("cost_per_gpu_hour: {a100-80g: 1.8, l40s: 1.0}", "cost_per_gpu_hour: {a100-80g: 1.8}", ":9: cost_per_gpu_hour has no price for 'l40s'.")]
    [InlineData("max-model-len: 8192", "max-model-len: long", ":1: base.max-model-len: 'max-model-len: long' must be an integer.")]
    [InlineData("traffic: {rate: 6, duration_s: 50, lengths: azure-conv}", "traffic: {rate: 6}", ":2: traffic.rate and traffic.duration_s go together.")]
    [InlineData("replicas: {min: 1, max: 4}", "replicas: {min: 1, most: 4}", ":7: unknown key 'candidates.replicas.most'. Known: min, max.")]
    [InlineData("replicas: {min: 1, max: 4}", "replicas: {min: 3, max: 2}", ":7: candidates.max_replicas must be from min_replicas (3) to 1024 (got 2).")]
    public void BadConfig_FailsNamingFileLineAndField(string good, string bad, string expected)
    {
        var cfg = CliProcess.Temp("yaml");
        File.WriteAllText(cfg, Good.Replace(good, bad));
        var (code, _, stderr) = CliProcess.Run("plan", "--offline", "--config", cfg);
        Assert.Equal(1, code);
        Assert.Contains($"error: {cfg}{expected}", stderr);
        File.Delete(cfg);
    }

    [Fact]
    public void ServerAndOffline_IsRefused()
    {
        var (code, stdout, stderr) = CliProcess.Run("plan", "--config", "x.yaml", "--offline", "--server", "http://127.0.0.1:7100");
        Assert.Equal(1, code);
        Assert.Equal("error: give one of --server URL and --offline, not both.", stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Fact]
    public void NoServer_PlansInThisProcess_WithANote_AndSaysTheRequestCountOnce()
    {
        var cfg = CliProcess.Temp("yaml");
        File.WriteAllText(cfg, Good);
        var (code, stdout, stderr) = CliProcess.Run("plan", "--config", cfg);
        Assert.True(code == 0, stderr + stdout);
        Assert.StartsWith("note: no --server given: planning in this process (as --offline)", stderr);
        Assert.Contains("in this process", stdout);
        Assert.Contains("cheapest meeting the SLOs:", stdout);
        var traffic = Assert.Single(stdout.Split('\n'), l => l.StartsWith("traffic: ", StringComparison.Ordinal));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(traffic, @"[\d,]+ requests"));
        File.Delete(cfg);
    }

    [Fact]
    public void ImpossibleSlos_ExitTwo_NamingTheClosest()
    {
        var cfg = CliProcess.Temp("yaml");
        File.WriteAllText(cfg, Good.Replace("ttft_s: 0.25", "ttft_s: 0.0001"));
        var (code, stdout, stderr) = CliProcess.Run("plan", "--offline", "--config", cfg);
        Assert.True(code == 2, stderr + stdout);
        Assert.Contains("no candidate meets the SLOs. Closest: 4 × ", stdout);
        File.Delete(cfg);
    }
}
