using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class ValidateBenchCommandTests
{
    [Fact]
    public void MeasuredRun_PrintsTheDerivedKvBlocks_AndWritesTheJsonContract()
    {
        var json = CliProcess.Temp("json");
        var (code, stdout, stderr) = CliProcess.Run("validate", "vllm-bench",
            "--run", CliProcess.RepoFile("data", "runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"),
            "--workload", CliProcess.RepoFile("data", "traces", "llmservingsim", "sharegpt-llama-3.1-8b-300-sps10.jsonl"),
            "--perf-model", "profile:" + CliProcess.RepoFile("data", "profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16"),
            "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"KV cache: [\d,]+ blocks of 16 tokens derived", stdout);
        Assert.Contains("series kv_cache_pct: not recorded by this run", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        foreach (var metric in new[] { "ttft_s", "tpot_s", "e2e_s" })
        {
            var m = doc.RootElement.GetProperty(metric);
            foreach (var part in new[] { "measured", "simulated", "error_pct" })
                foreach (var stat in new[] { "mean", "p50", "p90", "p99" })
                    Assert.Equal(JsonValueKind.Number, m.GetProperty(part).GetProperty(stat).ValueKind);
            Assert.True(Math.Abs(m.GetProperty("error_pct").GetProperty("mean").GetDouble()) < 10, metric);
        }
        Assert.Equal(7.097, doc.RootElement.GetProperty("ttft_s").GetProperty("measured").GetProperty("mean").GetDouble(), 3);
        File.Delete(json);
    }

    [Fact]
    public void MissingRunFolder_IsOneClearLine()
    {
        var (code, _, stderr) = CliProcess.Run("validate", "vllm-bench", "--run", "/nonexistent/run");
        Assert.Equal(1, code);
        Assert.StartsWith("error: --run: '/nonexistent/run' does not exist", stderr.Trim());
    }
}
