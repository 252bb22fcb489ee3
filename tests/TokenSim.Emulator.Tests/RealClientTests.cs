using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokenSim.Emulator.Tests;

/// <summary>The emulator driven and read by programs no one here wrote: Prometheus scrapes it, hey loads it.</summary>
public class RealClientTests
{
    [ToolFact("prometheus")]
    public async Task Prometheus_ScrapesEveryMetricTheTwinReads_WithVllmsLabels()
    {
        await using var h = await EmulatorHarness.StartWithAsync();
        for (int i = 0; i < 3; i++)
            (await h.Client.PostAsJsonAsync("/v1/completions", new { prompt = $"request {i} " + new string('p', 300), max_tokens = 4 })).EnsureSuccessStatusCode();

        var target = new Uri(h.Client.BaseAddress!, "/");
        string dir = Directory.CreateTempSubdirectory("tokensim-prom-").FullName;
        int promPort = Tools.FreePort();
        File.WriteAllText(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: vllm
                static_configs:
                  - targets: ["{target.Authority}"]
            """);
        var psi = new ProcessStartInfo(Tools.Find("prometheus")!)
        {
            ArgumentList = { $"--config.file={Path.Combine(dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(dir, "data")}", $"--web.listen-address=127.0.0.1:{promPort}" },
            RedirectStandardError = true, RedirectStandardOutput = true,
        };
        using var prom = Process.Start(psi)!;
        _ = prom.StandardError.ReadToEndAsync();
        _ = prom.StandardOutput.ReadToEndAsync();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}") };
            // Wait for a successful scrape of the target.
            JsonElement active = default;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                try
                {
                    var targets = JsonDocument.Parse(await api.GetStringAsync("/api/v1/targets")).RootElement.GetProperty("data").GetProperty("activeTargets");
                    if (targets.GetArrayLength() == 1 && targets[0].GetProperty("health").GetString() == "up") { active = targets[0]; break; }
                }
                catch (HttpRequestException) { } // Prometheus still starting
            }
            Assert.True(active.ValueKind == JsonValueKind.Object, "Prometheus never scraped the emulator successfully");
            Assert.Equal("", active.GetProperty("lastError").GetString());

            foreach (var name in VllmMetricsTests.TwinReads)
            {
                var result = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(name)}")).RootElement;
                Assert.Equal("success", result.GetProperty("status").GetString());
                var series = result.GetProperty("data").GetProperty("result");
                Assert.True(series.GetArrayLength() > 0, $"Prometheus has no series for {name}");
                var metric = series[0].GetProperty("metric");
                Assert.Equal("0", metric.GetProperty("engine").GetString());
                if (name != "vllm:cache_config_info") Assert.Equal(EmulatorHarness.Model, metric.GetProperty("model_name").GetString());
            }
            var generated = JsonDocument.Parse(await api.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString("vllm:generation_tokens_total"))).RootElement;
            Assert.Equal("12", generated.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        }
        finally
        {
            prom.Kill(true);
            await prom.WaitForExitAsync();
            Directory.Delete(dir, true);
        }
    }

    [ToolFact("hey")]
    public async Task Hey_LoadsTheEmulator_EveryRequestAnswered()
    {
        await using var h = await EmulatorHarness.StartWithAsync(speed: 20);
        var psi = new ProcessStartInfo(Tools.Find("hey")!)
        {
            ArgumentList = { "-n", "200", "-c", "50", "-m", "POST", "-T", "application/json", "-d", """{"prompt": "Tell me about the weather today.", "max_tokens": 16}""", new Uri(h.Client.BaseAddress!, "/v1/completions").ToString() },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var hey = Process.Start(psi)!;
        var output = await hey.StandardOutput.ReadToEndAsync();
        await hey.WaitForExitAsync();
        Assert.Equal(0, hey.ExitCode);
        Assert.Matches(new Regex(@"\[200\]\s+200 responses"), output);
        Assert.DoesNotContain("Error distribution", output);
        var m = PrometheusExposition.Parse(await h.Client.GetStringAsync("/metrics"));
        Assert.Equal(200, m.Value("vllm:request_success_total", ("finished_reason", "length")));
        Assert.Equal(200 * 16, m.Value("vllm:generation_tokens_total"));
        // 50 clients at once: the engine batched them.
        Assert.True(m.Value("vllm:iteration_tokens_total_count") < 200 * 16 / 4);
    }
}
