using System.Text.Json;
using TokenSim.Contracts.V1;
using TokenSim.Server.Sources.Scrape;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The twin scrapes <c>tokensim emulate --replicas 2</c> (vLLM's /metrics, the production stand-in) through a sources
/// file: each replica's engine snapshots reach its replica grain, <c>cache_config_info</c> sets the KV block count,
/// and a target with nothing behind it is a health signal, not a failure.
/// </summary>
public sealed class ScrapeEmulatorTests
{
    [Fact]
    public async Task Server_ScrapesBothEmulatedReplicas_ConfiguresKvBlocks_AndReportsADeadTarget()
    {
        await using var emulator = await EmulatorProcess.StartAsync(2);
        int dead = ServerProcess.FreePort();
        var server = new SourcesServerProcess($"""
            scrape: {"{"}interval_s: 0.25, stale_after_s: 1{"}"}
            deployments:
              - name: scraped
                spec: {"{"}model: llama-3.1-8b, hardware: a100-80g, replicas: 3, perf_model: roofline{"}"}
                targets:
                  - metrics: http://127.0.0.1:{emulator.Port}/metrics
                    replica: 0
                  - metrics: http://127.0.0.1:{emulator.Port + 1}/metrics
                    replica: 1
                  - metrics: http://127.0.0.1:{dead}/metrics
                    replica: 2
            """);
        await server.InitializeAsync();
        try
        {
            using var http = new HttpClient();
            // The emulator's own text reads without a single rejected line or value.
            var text = await http.GetStringAsync($"http://127.0.0.1:{emulator.Port}/metrics");
            var (samples, errors) = PrometheusText.Parse(text);
            Assert.Empty(errors);
            var (engines, rejections) = VllmScrape.Read(samples);
            Assert.Empty(rejections);
            int blocks = engines["0"].NumGpuBlocks!.Value;

            // A long request keeps replica 1 busy while the twin scrapes it.
            var body = new StringContent("{\"prompt\": [1, 2, 3, 4, 5, 6, 7, 8], \"max_tokens\": 3000, \"ignore_eos\": true}", System.Text.Encoding.UTF8, "application/json");
            var busy = http.PostAsync($"http://127.0.0.1:{emulator.Port + 1}/v1/completions", body);

            var deployments = new Deployments.DeploymentsClient(server.Channel);
            AccuracyReport report;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                report = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = "scraped" });
                var text2 = await server.MetricsTextAsync();
                if (report.Replicas.Count(r => r.Snapshots >= 3) == 2 && text2.Contains("tokensim_replica_running_requests{deployment=\"scraped\",replica=\"1\",source=\"observed\"} 1")) break;
                Assert.True(DateTime.UtcNow < deadline, $"no snapshots of both replicas with replica 1 running:\n{text2}\n{server.Log}");
                await Task.Delay(250);
            }
            Assert.Equal(0, report.Replicas.Single(r => r.Replica == 2).Snapshots);
            Assert.Equal(blocks, (await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "scraped" })).KvBlocks);

            var metrics = await server.MetricsTextAsync();
            Assert.Contains($"tokensim_scrape_target_up{{deployment=\"scraped\",target=\"http://127.0.0.1:{dead}/metrics\"}} 0", metrics);
            Assert.Contains($"tokensim_scrape_target_stale{{deployment=\"scraped\",target=\"http://127.0.0.1:{dead}/metrics\"}} 1", metrics);
            Assert.Contains($"tokensim_scrape_target_up{{deployment=\"scraped\",target=\"http://127.0.0.1:{emulator.Port}/metrics\"}} 1", metrics);
            Assert.Contains($"tokensim_replica_observed_kv_blocks{{deployment=\"scraped\",replica=\"0\"}} {blocks}", metrics);
            Assert.Contains("tokensim_replica_observed_count{deployment=\"scraped\",replica=\"1\",counter=\"prompt_tokens\"}", metrics);
            using var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{server.MetricsPort}/sources/status"));
            var deadTarget = status.RootElement.EnumerateArray().Single(t => t.GetProperty("url").GetString()!.Contains($":{dead}/"));
            Assert.False(deadTarget.GetProperty("up").GetBoolean());
            Assert.True(deadTarget.GetProperty("failures").GetInt64() >= 1);
            Assert.False(string.IsNullOrEmpty(deadTarget.GetProperty("lastError").GetString()));
            _ = busy;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
