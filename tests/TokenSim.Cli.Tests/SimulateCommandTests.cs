using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class SimulateCommandTests
{
    [Fact]
    public void NoArguments_RunsTheDefault_AndWritesTheJsonContract()
    {
        var json = CliProcess.Temp("json");
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("llama-2-7b on 1 × a100-80g", stdout);
        Assert.Contains("1,612 of 19,366 rows", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var d = doc.RootElement;
        Assert.Equal(2000, d.GetProperty("requests").GetInt64());
        Assert.Equal(0, d.GetProperty("rejected").GetInt64());
        foreach (var key in new[] { "ttft_s", "tpot_s", "itl_s", "e2e_s", "queue_s" })
            foreach (var stat in new[] { "mean", "p50", "p90", "p99", "max" })
                Assert.True(d.GetProperty(key).GetProperty(stat).GetDouble() >= 0, $"{key}.{stat}");
        Assert.True(d.GetProperty("ttft_s").GetProperty("p50").GetDouble() < d.GetProperty("ttft_s").GetProperty("p99").GetDouble());
        Assert.InRange(d.GetProperty("throughput").GetProperty("requests_per_s").GetDouble(), 1.8, 2.2); // Poisson at 2 req/s
        Assert.True(d.GetProperty("throughput").GetProperty("output_tokens_per_s").GetDouble() > 0);
        Assert.InRange(d.GetProperty("kv_usage").GetProperty("max").GetDouble(), 0.0001, 1);
        Assert.True(d.GetProperty("makespan_s").GetDouble() > 900);
        Assert.True(d.GetProperty("wall_s").GetDouble() > 0);
        Assert.Equal(0, d.GetProperty("preemptions").GetInt64());
        File.Delete(json);
    }

    [Fact]
    public void Energy_IsAlwaysWritten_AndCostOnlyWithAPrice()
    {
        var json = CliProcess.Temp("json");
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", "burst:n=16,input=256,output=64", "--tp", "2", "--cost-per-gpu-hour", "2.5", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("J per output token", stdout);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var d = doc.RootElement;
            var e = d.GetProperty("energy");
            double avg = e.GetProperty("average_power_w").GetDouble(), peak = e.GetProperty("peak_power_w").GetDouble();
            // Per A100: at least its 78 W static, at most its 400 W limit.
            Assert.InRange(avg, 78, peak);
            Assert.InRange(peak, avg, 400);
            long tokens = d.GetProperty("output_tokens").GetInt64();
            Assert.Equal(16 * 64, tokens);
            Assert.Equal(e.GetProperty("energy_j").GetDouble() / tokens, e.GetProperty("joules_per_output_token").GetDouble(), 9);
            // TP 2 over the makespan: 2 GPUs powered and paid for.
            double gpuSeconds = e.GetProperty("gpu_seconds").GetDouble();
            Assert.Equal(2 * d.GetProperty("makespan_s").GetDouble(), gpuSeconds, 9);
            Assert.Equal(avg * gpuSeconds, e.GetProperty("energy_j").GetDouble(), 6);
            Assert.Equal(2.5 * gpuSeconds / 3600 / tokens * 1e6, d.GetProperty("cost_per_million_output_tokens").GetDouble(), 9);
        }
        var (plain, _, plainErr) = CliProcess.Run("simulate", "--workload", "burst:n=4,input=64,output=4", "--json", json);
        Assert.True(plain == 0, plainErr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.False(doc.RootElement.TryGetProperty("cost_per_million_output_tokens", out _));
            Assert.True(doc.RootElement.TryGetProperty("energy", out _));
        }
        var (off, offOut, offErr) = CliProcess.Run("simulate", "--workload", "burst:n=4,input=64,output=4", "--energy", "false", "--json", json);
        Assert.True(off == 0, offErr);
        Assert.Contains("no energy figures: --energy false", offOut);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
            Assert.False(doc.RootElement.TryGetProperty("energy", out _));
        var (bad, _, badErr) = CliProcess.Run("simulate", "--workload", "burst:n=4,input=64,output=4", "--cost-per-gpu-hour", "-1");
        Assert.Equal(1, bad);
        Assert.Contains("--cost-per-gpu-hour must be a positive price, at most 1,000,000,000 (got -1)", badErr);
        File.Delete(json);
    }

    [Fact]
    public void Scenario_WritesGpuHoursAndTheFleet_OnlyWhenGiven()
    {
        // Two replicas from 0; replica 0 is lost at 1 s. Paid for: replica 0 for 1 s, replica 1 until the last
        // finish, which is the makespan (the burst arrives at 0): GPU-hours = (1 + makespan) / 3600.
        var scenario = CliProcess.Temp("yaml");
        File.WriteAllText(scenario, "events:\n  - {at: 1, event: replica-lost, replica: 0}\n");
        var json = CliProcess.Temp("json");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", "burst:n=32,input=512,output=256", "--replicas", "2", "--scenario", scenario, "--json", json);
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var d = doc.RootElement;
            double makespan = d.GetProperty("makespan_s").GetDouble();
            Assert.True(makespan > 1, $"the run must outlast the loss: {makespan} s");
            var s = d.GetProperty("scenario");
            Assert.Equal((1 + makespan) / 3600, s.GetProperty("gpu_hours").GetDouble(), 9);
            var fleet = s.GetProperty("replicas").EnumerateArray().Select(p => (p.GetProperty("time_s").GetDouble(), p.GetProperty("serving").GetInt32(), p.GetProperty("provisioned").GetInt32())).ToList();
            Assert.Equal([(0.0, 2, 2), (1.0, 1, 1)], fleet);
        }
        var (plain, _, plainErr) = CliProcess.Run("simulate", "--workload", "burst:n=4,input=64,output=4", "--json", json);
        Assert.True(plain == 0, plainErr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
            Assert.False(doc.RootElement.TryGetProperty("scenario", out _));
        File.Delete(json);
        File.Delete(scenario);
    }

    [Fact]
    public void ConfigFile_IsRead_AndFlagsOverrideIt()
    {
        var cfg = CliProcess.Temp("yaml");
        var json = CliProcess.Temp("json");
        File.WriteAllText(cfg, "model: llama-3.1-8b\nhardware: h100-sxm\nworkload: burst:n=8,input=256,output=16\nmax_num_seqs: 4\nreplicas: 3\n");
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--config", cfg, "--replicas", "2", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("llama-3.1-8b on 2 × h100-sxm", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(8, doc.RootElement.GetProperty("requests").GetInt64());
        Assert.Equal(4, doc.RootElement.GetProperty("config").GetProperty("max_num_seqs").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("config").GetProperty("replicas").GetInt32());
        File.Delete(cfg);
        File.Delete(json);
    }

    [Fact]
    public void RequestAndTimeSeriesCsv_HaveOneRowPerRequestAndSample()
    {
        var req = CliProcess.Temp("csv");
        var ts = CliProcess.Temp("csv");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", "poisson:rate=4,n=50,input=100..400,output=10..40", "--replicas", "2",
            "--requests-csv", req, "--timeseries-csv", ts, "--timeseries-interval", "0.5");
        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(req);
        Assert.StartsWith("request_id,status,replica", rows[0]);
        Assert.Equal(50, rows.Length - 1);
        Assert.All(rows.Skip(1), r => Assert.Contains(",finished,", r));
        var samples = File.ReadAllLines(ts);
        Assert.Equal("time_s,replica,running,waiting,kv_usage,kv_blocks_used,prompt_tokens_total,generated_tokens_total", samples[0]);
        Assert.True(samples.Length > 20);
        Assert.Equal(0, (samples.Length - 1) % 2); // one row per replica per sample
        File.Delete(req);
        File.Delete(ts);
    }

    [Fact]
    public void Trace_IsChromeTraceJson_WithEveryStepAndRequest()
    {
        var trace = CliProcess.Temp("json");
        var json = CliProcess.Temp("json");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", "poisson:rate=4,n=30,input=100..400,output=5..20", "--replicas", "2", "--trace", trace, "--json", json);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Equal(30, events.Count(e => e.GetProperty("ph").GetString() == "b"));
        Assert.Equal(30, events.Count(e => e.GetProperty("ph").GetString() == "e"));
        using var summary = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(summary.RootElement.GetProperty("steps").GetInt64(), events.Count(e => e.GetProperty("ph").GetString() == "X"));
        Assert.All(events.Where(e => e.GetProperty("ph").GetString() == "X"), e => Assert.True(e.GetProperty("dur").GetDouble() > 0));
        File.Delete(trace);
        File.Delete(json);
    }

    [Fact]
    public void Plots_ArePngFiles()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-plots-").FullName;
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", "poisson:rate=4,n=200,input=100..800,output=10..200", "--replicas", "2", "--plots", dir);
        Assert.True(code == 0, stderr);
        foreach (var name in new[] { "ttft-cdf.png", "tpot-itl-cdf.png", "e2e-cdf.png", "batch-size-cdf.png", "kv-usage.png", "running.png", "waiting.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, name));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.True(bytes.Length > 5000, $"{name} is {bytes.Length} bytes");
            Assert.Contains(name, stdout);
        }
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("--workload", "poisson:rate=abc,n=5", "'rate=abc' must be a positive number")]
    [InlineData("--model", "gpt-9", "Unknown model 'gpt-9'")]
    [InlineData("--hardware", "tpu-v9", "Unknown hardware 'tpu-v9'")]
    [InlineData("--scheduler", "magic", "Unknown replica scheduler 'magic'. Known: vllm-v1, vllm, vllm-v0")]
    [InlineData("--workload", "/nonexistent/trace.csv", "does not exist")]
    [InlineData("--tp", "3", "does not divide")]
    public void BadInput_IsOneClearLine_AndNonZeroExit(string flag, string value, string message)
    {
        var (code, _, stderr) = CliProcess.Run("simulate", flag, value);
        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
    }

    [Fact]
    public void BadTraceRow_NamesFileLineAndField()
    {
        var path = CliProcess.Temp("csv");
        File.WriteAllText(path, "arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,10\n1,ten,10\n");
        var (code, _, stderr) = CliProcess.Run("simulate", "--workload", path);
        Assert.Equal(1, code);
        Assert.Contains($"error: {path}:3: field 'num_prefill_tokens': 'ten'", stderr);
        File.Delete(path);
    }

    [Fact]
    public void BadConfigKey_NamesFileAndLine()
    {
        var cfg = CliProcess.Temp("yaml");
        File.WriteAllText(cfg, "model: llama-2-7b\nspeed: fast\n");
        var (code, _, stderr) = CliProcess.Run("simulate", "--config", cfg);
        Assert.Equal(1, code);
        Assert.Contains($"{cfg}:2: unknown option 'speed'", stderr);
        File.Delete(cfg);
    }

    [Fact]
    public void TraceReplay_CountsRejections()
    {
        var json = CliProcess.Temp("json");
        var trace = CliProcess.RepoFile("data", "traces", "azure2023", "AzureLLMInferenceTrace_code.csv");
        var (code, stdout, stderr) = CliProcess.Run("simulate", "--workload", trace, "--replicas", "4", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("will be rejected", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1257, doc.RootElement.GetProperty("rejected").GetInt64());
        Assert.Equal(8819 - 1257, doc.RootElement.GetProperty("requests").GetInt64());
        File.Delete(json);
    }
}
