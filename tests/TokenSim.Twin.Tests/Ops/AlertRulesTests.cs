using YamlDotNet.RepresentationModel;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// dashboards/prometheus/tokensim-rules.yml through promtool: the rules are valid, every alert fires on the series
/// built to trigger it and stays silent on the one that should not (tokensim-rules.test.yml), and those cases can
/// tell: an alert made to always fire, or never, fails them.
/// </summary>
public sealed class AlertRulesTests
{
    private static string Promtool => OpsTool.Find("promtool") ?? throw new InvalidOperationException("promtool");
    private static readonly string MissingPromtool = OpsTool.Missing("promtool", "apt-get install prometheus");

    [SkippableFact]
    public async Task CheckRules_AcceptsEveryRule()
    {
        Skip.If(OpsTool.Find("promtool") is null, MissingPromtool);
        var (code, stdout, stderr) = await OpsTool.RunAsync(Promtool, ["check", "rules", OpsTool.RulesFile]);
        Assert.True(code == 0, $"promtool check rules exited {code}:\n{stdout}\n{stderr}");
        Assert.Contains($"SUCCESS: {OpsQueries.Rules(OpsTool.RulesFile).Count} rules found", stdout);
    }

    [SkippableFact]
    public async Task TestRules_EveryCasePasses()
    {
        Skip.If(OpsTool.Find("promtool") is null, MissingPromtool);
        var (code, stdout, stderr) = await OpsTool.RunAsync(Promtool, ["test", "rules", OpsTool.RulesTestFile]);
        Assert.True(code == 0, $"promtool test rules exited {code}:\n{stdout}\n{stderr}");
        Assert.Contains("SUCCESS", stdout);
    }

    [Fact]
    public void TestFile_HasAFiringAndASilentCaseForEveryAlert()
    {
        var alerts = OpsQueries.Rules(OpsTool.RulesFile).Where(r => r.Alert is not null).Select(r => r.Alert!).ToList();
        Assert.NotEmpty(alerts);
        var firing = new HashSet<string>();
        var silent = new HashSet<string>();
        foreach (var t in AlertCases())
        {
            var name = ((YamlScalarNode)t["alertname"]).Value!;
            bool fires = t.Children.TryGetValue("exp_alerts", out var exp) && ((YamlSequenceNode)exp).Children.Count > 0;
            (fires ? firing : silent).Add(name);
        }
        Assert.Empty(alerts.Except(firing));
        Assert.Empty(alerts.Except(silent));
        Assert.Empty(firing.Union(silent).Except(alerts));
    }

    /// <summary>
    /// Each alert in turn replaced by one that always fires (its silent cases must then fail) and by one that never
    /// fires (its firing cases must then fail): the cases check the alert's own logic, not just that it loads.
    /// </summary>
    [SkippableFact]
    public async Task TestRules_FailWhenAnAlertAlwaysOrNeverFires()
    {
        Skip.If(OpsTool.Find("promtool") is null, MissingPromtool);
        var dir = Directory.CreateTempSubdirectory("tokensim-rules-");
        try
        {
            File.Copy(OpsTool.RulesTestFile, Path.Combine(dir.FullName, Path.GetFileName(OpsTool.RulesTestFile)));
            foreach (var alert in OpsQueries.Rules(OpsTool.RulesFile).Where(r => r.Alert is not null).Select(r => r.Alert!))
            {
                foreach (var (replacement, broken) in new[] { ("vector(1)", "always fires"), ("vector(1) == 0", "never fires") })
                {
                    WriteRulesWith(Path.Combine(dir.FullName, Path.GetFileName(OpsTool.RulesFile)), alert, replacement);
                    var (code, stdout, stderr) = await OpsTool.RunAsync(Promtool, ["test", "rules", Path.GetFileName(OpsTool.RulesTestFile)], dir.FullName);
                    Assert.True(code != 0, $"{alert} made to {broken} (expr: {replacement}) still passes tokensim-rules.test.yml:\n{stdout}");
                    // promtool names each failed case on stderr: one of this alert's must be among them.
                    Assert.Contains($"alertname: {alert},", stderr);
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<YamlMappingNode> AlertCases()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(OpsTool.RulesTestFile)) yaml.Load(reader);
        foreach (YamlMappingNode test in (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["tests"])
            if (test.Children.TryGetValue("alert_rule_test", out var cases))
                foreach (YamlMappingNode c in (YamlSequenceNode)cases) yield return c;
    }

    /// <summary>The rules file with <paramref name="alert"/>'s expression replaced.</summary>
    private static void WriteRulesWith(string path, string alert, string expr)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(OpsTool.RulesFile)) yaml.Load(reader);
        foreach (YamlMappingNode group in (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"])
            foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
                if (rule.Children.TryGetValue("alert", out var name) && ((YamlScalarNode)name).Value == alert)
                    rule.Children[new YamlScalarNode("expr")] = new YamlScalarNode(expr);
        using var writer = new StreamWriter(path);
        yaml.Save(writer, assignAnchors: false);
    }
}
