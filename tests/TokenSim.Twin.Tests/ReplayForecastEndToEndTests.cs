using System.Text.Json;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <c>tokensim replay --json</c> of the measured RTX PRO 6000 run at 20x against a server whose scored forecasts have
/// no CPU budget: the forecasts the twin scored on the production clock beat "stays as now" for running and waiting at
/// 5, 10 and 20 s, and KV use (not recorded by that run) is absent, not zero; each cell has its interval's coverage and
/// pinball loss.
/// </summary>
/// <remarks>
/// The default budget (a quarter of a core) skips scored forecasts when the machine is busy: at 20x the production
/// clock asks for one every 0.25 s of wall time, and on a loaded 2-core machine half were skipped, which changes which
/// snapshots are scored and so the figures. Unbudgeted, every snapshot is forecast and the run is the same on any
/// machine (docs/forecast.md: two replays agree to the digit).
/// </remarks>
public sealed class ReplayForecastEndToEndTests(UnbudgetedForecastServerProcess server) : IClassFixture<UnbudgetedForecastServerProcess>
{
    [Fact]
    public async Task Replay_MeasuredRunAt20x_ForecastsBeatPersistence()
    {
        var (stdout, json) = await ReplayRun.MeasuredRunAsync(server, "e2e-forecast");
        using var doc = json;
        Assert.Contains("forecasts scored on the production clock", stdout);
        var forecast = doc.RootElement.GetProperty("forecast");
        Assert.False(forecast.TryGetProperty("kv", out _));
        foreach (var metric in new[] { "running", "waiting" })
            foreach (var h in new[] { "h5", "h10", "h20" })
            {
                var s = forecast.GetProperty(metric).GetProperty(h);
                double mae = s.GetProperty("mae").GetDouble(), naive = s.GetProperty("naive_mae").GetDouble();
                Assert.True(s.GetProperty("points").GetInt64() >= 30, $"{metric} {h}: {s.GetProperty("points")} points");
                Assert.True(mae < naive, $"{metric} {h}: MAE {mae:F2} is not below naive {naive:F2}");
                // The interval's coverage (a fraction of the points) and the pinball loss beside the MAE.
                double coverage = s.GetProperty("coverage_80").GetDouble(), points = s.GetProperty("points").GetInt64();
                Assert.InRange(coverage, 0, 1);
                Assert.Equal(Math.Round(coverage * points), coverage * points, 6);
                Assert.InRange(s.GetProperty("pinball_loss").GetDouble(), 0, double.MaxValue);
            }
    }
}
