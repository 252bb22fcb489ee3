using System.Text.Json;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// The whole path for real: TokenSim.Server fed by the twin's producers (<see cref="TwinFeeds"/>), Debian's Prometheus
/// scraping it every second with the alerting rules loaded, for longer than the dashboards' rate() windows; then every
/// PromQL expression in dashboards/*.json and tokensim-rules.yml is evaluated through Prometheus' HTTP API and must
/// parse and return data, and every rule must evaluate without error.
/// </summary>
public sealed class PrometheusQueriesTests(OpsServerProcess server) : IClassFixture<OpsServerProcess>
{
    /// <summary>Longer than a 1 s scrape's $__rate_interval (1 min) and enough samples for the rules' 5 and 10 min windows.</summary>
    private static readonly TimeSpan Feed = TimeSpan.FromSeconds(130);

    [SkippableFact]
    public async Task EveryDashboardAndRuleQuery_ParsesAndReturnsData()
    {
        Skip.If(OpsTool.Find("prometheus") is null, OpsTool.Missing("prometheus", "apt-get install prometheus"));
        var queries = OpsQueries.FromDashboards().Concat(OpsQueries.FromRules(OpsTool.RulesFile)).ToList();
        // The rules evaluate every 5 s here instead of every 30 s, so each is evaluated many times within the feed.
        string rules = File.ReadAllText(OpsTool.RulesFile);
        Assert.Contains("interval: 30s", rules);
        await using var prometheus = await PrometheusProcess.StartAsync($"127.0.0.1:{server.MetricsPort}",
            new Dictionary<string, string> { ["tokensim-rules.yml"] = rules.Replace("interval: 30s", "interval: 5s") });

        using var stop = new CancellationTokenSource(Feed);
        var feeds = new[] { TwinFeeds.ReplayLoopAsync(server, stop.Token), TwinFeeds.LostEventsAsync(server, stop.Token), TwinFeeds.KvPressureAsync(server, stop.Token), TwinFeeds.EmulateAsync(server, stop.Token),
            TwinFeeds.PlanAsync(server, stop.Token) };
        foreach (var feed in feeds)
            _ = feed.ContinueWith(_ => stop.Cancel(), TaskContinuationOptions.OnlyOnFaulted);   // one failed feed stops the others
        await Task.WhenAll(feeds);   // and fails the test here with its own error

        var failures = new List<string>();
        foreach (var q in queries)
        {
            using var answer = await prometheus.QueryAsync(q.Expr);
            var root = answer.RootElement;
            if (root.GetProperty("status").GetString() != "success")
            {
                failures.Add($"{q}\n    {root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}");
                continue;
            }
            if (q.ParseOnly) continue;
            var result = root.GetProperty("data").GetProperty("result").EnumerateArray().ToList();
            if (!result.Any(HasNumber)) failures.Add($"{q}\n    returned {(result.Count == 0 ? "no series" : $"{result.Count} series, all NaN")}");
        }

        using var rulesAnswer = await prometheus.GetAsync("/api/v1/rules");
        int evaluated = 0;
        foreach (var group in rulesAnswer.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray())
            foreach (var rule in group.GetProperty("rules").EnumerateArray())
            {
                evaluated++;
                if (rule.GetProperty("health").GetString() != "ok")
                    failures.Add($"rule {rule.GetProperty("name").GetString()}: health {rule.GetProperty("health").GetString()}, {rule.GetProperty("lastError").GetString()}");
            }
        Assert.Equal(OpsQueries.Rules(OpsTool.RulesFile).Count, evaluated);
        Assert.True(failures.Count == 0, $"{failures.Count} of {queries.Count} queries failed after {Feed.TotalSeconds:0} s of feed:\n" + string.Join("\n", failures) + $"\nserver log:\n{server.Log[^Math.Min(2000, server.Log.Length)..]}");
    }

    private static bool HasNumber(JsonElement series)
    {
        var value = series.GetProperty("value")[1].GetString();
        return value is not null && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var v) && !double.IsNaN(v);
    }
}
