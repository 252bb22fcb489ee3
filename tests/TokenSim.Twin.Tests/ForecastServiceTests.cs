using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>A server that refreshes its forecasts every 0.5 s.</summary>
public sealed class ForecastServerProcess() : ServerProcess(null, "--forecast-interval", "0.5")
{
    /// <summary>Registers the forecast tests' deployment: Llama-3.1-8B on two A100s, 2,000 KV blocks each, roofline.</summary>
    public async Task RegisterTwoReplicasAsync(string name)
    {
        var spec = new DeploymentSpec
        {
            Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline",
            Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
        };
        await new Deployments.DeploymentsClient(Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = spec });
    }
}

/// <summary>The Forecasting service over a real server: answers, replica deltas, bad requests and the refresh loop's gauges.</summary>
public sealed class ForecastServiceTests(ForecastServerProcess server) : IClassFixture<ForecastServerProcess>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    /// <summary>Two replicas, each sent 5 requests/s for 12 s and an engine snapshot every second (replica 1's with KV use).</summary>
    private async Task<Forecasting.ForecastingClient> DeploymentAsync(string name)
    {
        await server.RegisterTwoReplicasAsync(name);
        var events = new List<Event>();
        Event New(string id, int replica, double t) => new() { EventId = id, Deployment = name, Replica = replica, ProducedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(t)) };
        for (int replica = 0; replica < 2; replica++)
        {
            for (int i = 0; i < 60; i++)
            {
                var e = New($"{replica}/a{i}", replica, i * 0.2);
                e.RequestArrived = new RequestArrived { RequestId = $"r{replica}-{i}", PromptTokens = 200, MaxTokens = 50 };
                events.Add(e);
            }
            for (int s = 0; s <= 12; s++)
            {
                var e = New($"{replica}/s{s}", replica, s + 0.01);
                e.EngineSnapshot = new EngineSnapshot { Running = Math.Min(s, 3), Waiting = 0 };
                if (replica == 1) e.EngineSnapshot.KvCacheUsage = 0.01 * s;
                events.Add(e);
            }
        }
        var ack = await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest { Events = { events.OrderBy(e => e.ProducedAt.ToDateTimeOffset()) } });
        // A theory's cases share one deployment: their repeats of its events are duplicates.
        Assert.Equal(events.Count, ack.Applied + ack.Duplicate);
        return new Forecasting.ForecastingClient(server.Channel);
    }

    [Fact]
    public async Task Forecast_EveryReplicaFromItsClock_WithLearnedTraffic()
    {
        var client = await DeploymentAsync("fc-plain");
        var f = await client.ForecastAsync(new ForecastRequest { Deployment = "fc-plain", HorizonS = 5, StepS = 0.5, Seeds = 3 });
        Assert.Equal(10, f.StepTotals.Count);
        Assert.Equal(5, f.StepTotals[^1].AheadS, 9);
        Assert.Equal([0, 1], f.Replicas.Select(r => r.Replica));
        Assert.All(f.Replicas, r =>
        {
            Assert.False(r.Added);
            Assert.InRange(r.ClockS, 12, 12.1);
            Assert.InRange(r.Traffic.RatePerS, 4, 6);
            Assert.Equal(200, r.Traffic.MeanPromptTokens, 9);
            Assert.Equal(10, r.Steps.Count);
        });
        // The deployment's totals add the replicas' running requests seed by seed, so their means add up.
        for (int k = 0; k < 10; k++)
            Assert.Equal(f.Replicas.Sum(r => r.Steps[k].Running.Expected), f.StepTotals[k].Running.Expected, 6);
        Assert.All(f.StepTotals, s => Assert.True(s.Running.P90 >= s.Running.P50));
        Assert.All(f.StepTotals.Concat(f.Replicas.SelectMany(r => r.Steps)), s =>
        {
            foreach (var x in new[] { s.Running, s.Waiting, s.KvUsage })
                Assert.True(0 <= x.P10 && x.P10 <= x.P50 && x.P50 <= x.P90 && x.P90 <= x.P99, x.ToString());
        });
        Assert.True(f.SimulatedSteps > 0);
    }

    [Fact]
    public async Task Forecast_ReplicaDelta_SpreadsTheDeploymentsTraffic()
    {
        var client = await DeploymentAsync("fc-delta");
        var plus = await client.ForecastAsync(new ForecastRequest { Deployment = "fc-delta", HorizonS = 2, ReplicaDelta = 2, Seeds = 2 });
        Assert.Equal([false, false, true, true], plus.Replicas.Select(r => r.Added));
        double total = plus.Replicas.Sum(r => r.Traffic.RatePerS);
        Assert.InRange(total, 8, 12);
        Assert.All(plus.Replicas, r => Assert.Equal(total / 4, r.Traffic.RatePerS, 9));
        Assert.All(plus.Replicas, r => Assert.InRange(r.ClockS, 12, 12.1));
        var minus = await client.ForecastAsync(new ForecastRequest { Deployment = "fc-delta", HorizonS = 2, ReplicaDelta = -1, Seeds = 2 });
        var only = Assert.Single(minus.Replicas);
        Assert.Equal(0, only.Replica);
        Assert.Equal(total, only.Traffic.RatePerS, 9);
    }

    [Theory]
    [InlineData(0, null, 0, null, "horizon_s must be a positive number of seconds (got 0)")]
    [InlineData(-5, null, 0, null, "horizon_s must be a positive number of seconds (got -5)")]
    [InlineData(10, 0.0, 0, null, "step_s must be a positive number of seconds (got 0)")]
    [InlineData(10, -1.0, 0, null, "step_s must be a positive number of seconds (got -1)")]
    [InlineData(10, 20.0, 0, null, "step_s 20 must not exceed horizon_s 10")]
    [InlineData(10, null, -2, null, "replica_delta -2 gives 0 replicas for deployment 'fc-bad' of 2; it must leave 1 to 1024")]
    [InlineData(10, null, 0, 0, "seeds must be 1 to 64 (got 0)")]
    public async Task Forecast_BadRequest_IsInvalidArgumentNamingTheField(double horizon, double? step, int delta, int? seeds, string message)
    {
        var client = await DeploymentAsync("fc-bad");
        var request = new ForecastRequest { Deployment = "fc-bad", HorizonS = horizon, ReplicaDelta = delta };
        if (step is { } s) request.StepS = s;
        if (seeds is { } n) request.Seeds = n;
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ForecastAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(message, e.Status.Detail);
    }

    [Fact]
    public async Task Forecast_UnknownDeployment_IsNotFound()
    {
        var client = new Forecasting.ForecastingClient(server.Channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ForecastAsync(new ForecastRequest { Deployment = "nowhere", HorizonS = 10 }));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("deployment 'nowhere' is not registered (Deployments.RegisterDeployment)", e.Status.Detail);
        var scores = await Assert.ThrowsAsync<RpcException>(async () => await client.GetForecastScoresAsync(new GetForecastScoresRequest { Deployment = "nowhere" }));
        Assert.Equal(StatusCode.NotFound, scores.StatusCode);
    }

    [Fact]
    public async Task RefreshLoop_ExportsForecastGaugesAndScores()
    {
        var client = await DeploymentAsync("fc-gauges");
        // Snapshots 0..12 s: the forecast made at 0 s (always within the budget) is scored at 5 s and 10 s.
        var scores = await client.GetForecastScoresAsync(new GetForecastScoresRequest { Deployment = "fc-gauges" });
        Assert.True(scores.Issued >= 1);
        var running5 = Assert.Single(scores.Scores, s => s.Metric == "running" && s.HorizonS == 5);
        Assert.True(running5.Points >= 1);
        // The p10–p90 interval's coverage and the pinball loss come with the MAE: a fraction of the points, and a loss.
        Assert.InRange(running5.Coverage80 * running5.Points, 0, running5.Points);
        Assert.Equal(Math.Round(running5.Coverage80 * running5.Points), running5.Coverage80 * running5.Points, 9);
        Assert.True(running5.PinballLoss >= 0 && double.IsFinite(running5.PinballLoss), $"pinball loss {running5.PinballLoss}");
        // KV use is scored where the engine reports it (replica 1) and only there.
        Assert.True(Assert.Single(scores.Scores, s => s.Metric == "kv" && s.HorizonS == 5).Points < running5.Points);
        string[] wanted =
        [
            "tokensim_forecast_running_requests{deployment=\"fc-gauges\",replica=\"1\",horizon=\"60\",stat=\"p90\"}",
            "tokensim_forecast_running_requests{deployment=\"fc-gauges\",replica=\"1\",horizon=\"60\",stat=\"p10\"}",
            "tokensim_forecast_waiting_requests{deployment=\"fc-gauges\",replica=\"0\",horizon=\"10\",stat=\"p99\"}",
            "tokensim_forecast_interval_coverage_ratio{deployment=\"fc-gauges\",metric=\"running\",horizon=\"5\"}",
            "tokensim_forecast_pinball_loss{deployment=\"fc-gauges\",metric=\"running\",horizon=\"5\"}",
            "tokensim_forecast_waiting_requests{deployment=\"fc-gauges\",replica=\"0\",horizon=\"10\",stat=\"expected\"}",
            "tokensim_forecast_kv_usage_ratio{deployment=\"fc-gauges\",replica=\"0\",horizon=\"30\",stat=\"p50\"}",
            "tokensim_forecast_kv_exhausted_ratio{deployment=\"fc-gauges\",replica=\"0\"}",
            "tokensim_forecast_mean_abs_error_requests{deployment=\"fc-gauges\",metric=\"running\",horizon=\"5\",forecast=\"naive\"}",
            "tokensim_forecast_kv_mean_abs_error_ratio{deployment=\"fc-gauges\",horizon=\"5\",forecast=\"twin\"}",
            "tokensim_forecast_refreshes_total{deployment=\"fc-gauges\",outcome=\"ok\"}",
        ];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string text;
        while (true)
        {
            text = await server.MetricsTextAsync();
            if (wanted.All(text.Contains) || DateTime.UtcNow > deadline) break;
            await Task.Delay(250);
        }
        Assert.All(wanted, w => Assert.Contains(w, text));
        Assert.DoesNotContain("outcome=\"failed\"", text);
    }

    [Fact]
    public async Task Cli_PrintsTheTable_AndWritesTheJson()
    {
        await DeploymentAsync("fc-cli");
        var json = Path.Combine(Path.GetTempPath(), $"tokensim-forecast-{Guid.NewGuid():N}.json");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { ServerProcess.BuiltDll("TokenSim.Cli"), "forecast", "--server", $"http://127.0.0.1:{server.GrpcPort}", "--deployment", "fc-cli", "--horizon", "4", "--step", "2", "--traffic", "2", "--seeds", "2", "--json", json })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"forecast exited {p.ExitCode}: {await stderr}\n{await stdout}");
            var text = await stdout;
            Assert.Contains("forecast of fc-cli: 4 s ahead in steps of 2 s, 2 seeds, traffic x2, 2 replicas", text);
            Assert.Contains("waiting p10–p90", text);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.Equal(2, doc.RootElement.GetProperty("step_totals").GetArrayLength());
            Assert.Equal(2, doc.RootElement.GetProperty("replicas").GetArrayLength());
            Assert.Equal(2.0, doc.RootElement.GetProperty("traffic_multiplier").GetDouble());
        }
        finally
        {
            File.Delete(json);
        }
    }
}
