using System.Text.RegularExpressions;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <c>TokenSim.Server --demo</c>: the twin in one command. An emulated production of two replicas feeds it through
/// its native sources (spans, scrapes, KV events) and the gateway under a steady load, and forecasts appear within
/// seconds; the banner says where to look.
/// </summary>
public sealed class DemoModeTests
{
    [Fact]
    public async Task Demo_FeedsTheTwinThroughTheNativeSources_AndForecastsAppear()
    {
        var server = new FlaggedServerProcess("--demo", "--proxy-port", $"{ServerProcess.FreePort()}", "--forecast-interval", "1");
        try
        {
            await server.InitializeAsync();
            await CheckAsync(server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task CheckAsync(ServerProcess server)
    {
        // Every native source reaches the twin: gateway arrivals, scraped snapshots, spans, KV events; and the refresh
        // loop (every second here) exports a forecast of each replica once production's first events activated it.
        string[] expected =
        [
            """^tokensim_forecast_running_requests\{deployment="demo",replica="0",horizon="10",stat="expected"\} """,
            """^tokensim_forecast_running_requests\{deployment="demo",replica="1",horizon="10",stat="expected"\} """,
            """^tokensim_events_ingested_total\{deployment="demo",type="request_arrived",outcome="applied"\} [1-9]""",
            """^tokensim_events_ingested_total\{deployment="demo",type="engine_snapshot",outcome="applied"\} [1-9]""",
            """^tokensim_events_ingested_total\{deployment="demo",type="request_observed",outcome="applied"\} [1-9]""",
            """^tokensim_kv_event_batches_total\{deployment="demo",replica="\d",outcome="applied"\} [1-9]""",
            """^tokensim_gateway_requests_total\{deployment="demo",replica="\d",code="200"\} [1-9]""",
        ];
        string metrics = "";
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!expected.All(e => Regex.IsMatch(metrics, e, RegexOptions.Multiline)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            metrics = await server.MetricsTextAsync();
        }
        foreach (var e in expected)
            Assert.True(Regex.IsMatch(metrics, e, RegexOptions.Multiline), $"within 90 s no line matches {e}:\n{metrics}\n{server.Log}");

        // The forecast the banner suggests answers over gRPC, for both replicas.
        var forecast = await new Forecasting.ForecastingClient(server.Channel).ForecastAsync(
            new ForecastRequest { Deployment = "demo", HorizonS = 10, StepS = 5, Seeds = 2 });
        Assert.Equal((2, 2), (forecast.Replicas.Count, forecast.StepTotals.Count));
        var deployment = await new Deployments.DeploymentsClient(server.Channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "demo" });
        Assert.True(deployment.EventsApplied > 0);
        Assert.Contains($"gRPC      http://127.0.0.1:{server.GrpcPort}", server.Log);
        Assert.Contains($"metrics   http://127.0.0.1:{server.MetricsPort}/metrics", server.Log);
        Assert.Contains("forecast --server", server.Log);
    }

    [Theory]
    [InlineData(new[] { "--demo", "--sources", "x.yaml" }, "error: --demo writes its own sources file for the emulated production; leave out --sources (or run without --demo).")]
    [InlineData(new[] { "--demo", "--role", "silo" }, "error: --demo runs the whole twin in one process: leave --role at both.")]
    [InlineData(new[] { "--demo", "maybe" }, "error: --demo / TOKENSIM_DEMO must be true or false (got 'maybe').")]
    public async Task Demo_WithSettingsItCannotUse_OneLine(string[] args, string expected)
    {
        var (code, stdout, stderr) = await ServerSettingsTests.RunAsync(args);
        Assert.Equal((1, expected, ""), (code, stderr.Trim(), stdout));
    }
}
