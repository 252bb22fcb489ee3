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

    [Fact]
    public void Load_ReadsEveryTargetKey_TheGatewayAndTheEngine()
    {
        var path = Write("""
            scrape: {interval_s: 2, timeout_s: 1.5}
            deployments:
              - name: llama
                spec:
                  model: llama-3.1-8b
                  hardware: h100-sxm
                  tensor_parallel: 2
                  scheduler: sarathi
                  perf_model: roofline
                  engine: {block_size: 32, kv_blocks: 900, enable_prefix_caching: false, gpu_memory_utilization: 0.8}
                targets:
                  - metrics: http://127.0.0.1:8000/metrics
                    openai: http://127.0.0.1:8000
                    replica: 1
                    kv_events: {endpoint: "tcp://127.0.0.1:5557", bind: true, replay_endpoint: "tcp://127.0.0.1:5558", topic: kv}
            gateway: {deployment: llama}
            """);
        var c = SourcesFile.Load(path);
        Assert.Equal((2.0, 1.5, 6.0), (c.Scrape.IntervalSeconds, c.Scrape.Timeout, c.Scrape.StaleAfter));
        var d = Assert.Single(c.Deployments);
        Assert.Equal(("h100-sxm", 2, 1, "sarathi", "roofline"), (d.Spec!.Hardware, d.Spec.TensorParallel, d.Spec.Replicas, d.Spec.Scheduler, d.Spec.PerfModel));
        Assert.Equal((32, 900, false, 0.8), (d.Spec.BlockSize, d.Spec.KvBlocks, d.Spec.EnablePrefixCaching, d.Spec.GpuMemoryUtilization));
        Assert.Null(d.Spec.MaxNumSeqs);
        var t = Assert.Single(d.Targets);
        Assert.Equal(("http://127.0.0.1:8000/", 1), (t.OpenAi!.ToString(), t.Replica));
        Assert.Equal(("tcp://127.0.0.1:5557", true, "tcp://127.0.0.1:5558", "kv"), (t.KvEvents!.Endpoint, t.KvEvents.Bind, t.KvEvents.ReplayEndpoint, t.KvEvents.Topic));
        Assert.Equal("llama", c.GatewayDeployment);
        Assert.Empty(c.SpanRules);
    }

    [Theory]
    [InlineData("scrape: 1\n", ":1: 'scrape' must be a mapping.")]
    [InlineData("spans: {match: {a: b}}\n", ":1: 'spans' must be a list.")]
    [InlineData("deployments:\n  - spec: {model: m, hardware: h}\n", ":2: a deployment needs a 'name'.")]
    [InlineData("deployments:\n  - name: a\n  - name: a\n", ":3: deployment 'a' is listed twice.")]
    [InlineData("deployments:\n  - name: a\n    spec:\n      model: m\n      hardware: h\n      engine: {max_num_seqs: 0}\n", ":6: 'spec.engine.max_num_seqs' must be an integer of at least 1 (got '0').")]
    [InlineData("deployments:\n  - name: a\n    targets:\n      - metrics: http://x/metrics\n        kv_events: {endpoint: ipc://x}\n", ":5: 'targets[].kv_events.endpoint' must be tcp://HOST:PORT (got 'ipc://x'; NetMQ has no ipc://).")]
    [InlineData("deployments:\n  - name: a\n    targets:\n      - metrics: http://x/metrics\n        engine: {0: 0}\n", ":5: unknown key 'targets[].engine' (known: metrics, replica, engines, spans, openai, kv_events).")]
    [InlineData("gateway: {deployment: [a]}\n", ":1: 'gateway.deployment' must be a single value.")]
    [InlineData("scrape: {interval_s: 1}\nscrape: {interval_s: 2}\n", ":2: Duplicate key scrape")]
    [InlineData("spans:\n  - match: {}\n    deployment: a\n", ":2: 'spans[].match' must name at least one resource attribute.")]
    public void Load_BadFile_NamesTheLineAndKey_AsTheNodeReaderDid(string yaml, string expected)
    {
        var path = Write(yaml);
        var e = Assert.Throws<ArgumentException>(() => SourcesFile.Load(path));
        Assert.Equal(path + expected, e.Message);
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
