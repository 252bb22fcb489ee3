using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// The Grafana dashboards under dashboards/: loadable as Grafana provisions them, and their queries name only metrics
/// docs/metrics.md documents (PrometheusQueriesTests evaluates them against a live twin).
/// </summary>
public sealed partial class DashboardTests
{
    [Fact]
    public void Dashboards_HaveUniqueUidsAndPanelIds_AndUseTheDatasourceVariable()
    {
        var uids = new HashSet<string>();
        var files = OpsQueries.DashboardFiles.ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            string uid = root.GetProperty("uid").GetString()!;
            Assert.True(uids.Add(uid), $"{file}: uid {uid} is used twice");
            Assert.Equal(Path.GetFileNameWithoutExtension(file), uid);
            Assert.Contains(root.GetProperty("templating").GetProperty("list").EnumerateArray(),
                v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource");
            var ids = new HashSet<int>();
            foreach (var panel in OpsQueries.Panels(root))
            {
                string title = panel.GetProperty("title").GetString()!;
                Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), $"{file}: panel id {panel.GetProperty("id")} is used twice");
                if (panel.GetProperty("type").GetString() == "row") continue;
                Assert.False(string.IsNullOrWhiteSpace(panel.GetProperty("description").GetString()), $"{file}: panel '{title}' has no description");
                var targets = panel.GetProperty("targets").EnumerateArray().ToList();
                Assert.NotEmpty(targets);
                foreach (var t in targets)
                    Assert.Equal("${datasource}", t.GetProperty("datasource").GetProperty("uid").GetString());
            }
        }
    }

    [Fact]
    public void Queries_NameOnlyDocumentedMetrics()
    {
        var documented = DocumentedName().Matches(File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "metrics.md")))
            .Select(m => m.Groups[1].Value).ToHashSet();
        var recorded = OpsQueries.Rules(OpsTool.RulesFile).Where(r => r.Record is not null).Select(r => r.Record!).ToHashSet();
        var queries = OpsQueries.FromDashboards().Concat(OpsQueries.FromRules(OpsTool.RulesFile)).ToList();
        Assert.NotEmpty(queries);
        foreach (var q in queries)
        {
            foreach (Match m in MetricName().Matches(q.Expr))
            {
                string name = m.Value, family = HistogramSeries().Replace(name, "");
                Assert.True(documented.Contains(name) || documented.Contains(family), $"{q}: {name} is not in docs/metrics.md");
            }
            foreach (Match m in RecordedName().Matches(q.Expr))
                Assert.True(recorded.Contains(m.Value), $"{q}: {m.Value} is not recorded by tokensim-rules.yml");
        }
    }

    [GeneratedRegex(@"`(tokensim_[a-z0-9_]+)`")]
    private static partial Regex DocumentedName();
    [GeneratedRegex(@"(?<![A-Za-z0-9_:])tokensim_[a-z0-9_]+")]
    private static partial Regex MetricName();
    [GeneratedRegex(@"(?<![A-Za-z0-9_:])tokensim:[a-z0-9_:]+")]
    private static partial Regex RecordedName();
    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSeries();
}
