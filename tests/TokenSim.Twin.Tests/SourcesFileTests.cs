using TokenSim.Server.Sources;

namespace TokenSim.Twin.Tests;

public sealed class SourcesFileTests
{
    private static string Write(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sources-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Load_ReadsTargetsRulesAndSpec()
    {
        var path = Write("""
            scrape: {interval_s: 0.5, stale_after_s: 4}
            spans:
              - match: {service.name: vllm-b}
                deployment: other
                replica: 3
            deployments:
              - name: llama
                spec: {model: llama-3.1-8b, hardware: a100-80g, replicas: 4, engine: {max_num_seqs: 128}}
                targets:
                  - metrics: http://10.0.0.1:8000/metrics
                    replica: 2
                    spans: {service.instance.id: replica-2}
                  - metrics: http://10.0.0.2:8000/metrics
                    engines: {"0": 0, "1": 1}
            """);
        var c = SourcesFile.Load(path);
        Assert.Equal((0.5, 0.5, 4.0), (c.Scrape.IntervalSeconds, c.Scrape.Timeout, c.Scrape.StaleAfter));
        var d = Assert.Single(c.Deployments);
        Assert.Equal((4, 128), (d.Spec!.Replicas, d.Spec.MaxNumSeqs));
        Assert.Equal(3, d.Targets[0].ReplicaOf("1"));
        Assert.Null(d.Targets[1].ReplicaOf("2"));
        Assert.Equal(1, d.Targets[1].ReplicaOf("1"));
        Assert.Equal([("other", 3), ("llama", 2)], c.SpanRules.Select(r => (r.Deployment, r.Replica)));
    }

    [Theory]
    [InlineData("deployments:\n  - name: a\n    targets:\n      - metrics: ftp://x/metrics\n", ":4: 'targets[].metrics' must be an http:// or https:// URL (got 'ftp://x/metrics').")]
    [InlineData("scrape:\n  interval: 1\n", ":2: unknown key 'scrape.interval' (known: interval_s, timeout_s, stale_after_s).")]
    [InlineData("spans:\n  - deployment: a\n", ":2: a span rule needs 'match' and 'deployment'.")]
    public void Load_BadFile_NamesTheLineAndKey(string yaml, string expected)
    {
        var path = Write(yaml);
        var e = Assert.Throws<ArgumentException>(() => SourcesFile.Load(path));
        Assert.Equal(path + expected, e.Message);
    }

    [Fact]
    public void Load_LoneCarriageReturnInAFlowMapping_IsAnArgumentExceptionNamingTheFile()
    {
        // YamlDotNet's scanner throws InvalidOperationException here (found by the catalog readers' property tests).
        var path = Write("scrape: {interval_s: 1\r5}\n");
        var e = Assert.Throws<ArgumentException>(() => SourcesFile.Load(path));
        Assert.StartsWith($"{path}: not valid YAML (", e.Message);
    }
}
