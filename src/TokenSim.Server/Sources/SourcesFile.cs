using System.Globalization;
using TokenSim.Core.Yaml;
using TokenSim.Twin.Abstractions;
using static TokenSim.Server.Sources.SourcesYaml;

namespace TokenSim.Server.Sources;

/// <summary>
/// Reads a sources file (YAML, or JSON, which is YAML too) into <see cref="SourcesYaml"/> records through YamlDotNet,
/// then checks each value; every error names the file, line and key.
/// </summary>
public static class SourcesFile
{
    public static SourcesConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--sources: the file '{path}' does not exist.");
        var root = YamlRecords.Read<SourcesYaml>(path, (message, e) => new ArgumentException(message, e));
        if (root is null) return SourcesConfig.Empty;
        if (root.Shape != YamlShape.Mapping) throw new ArgumentException($"{path}: the sources file must be a mapping.");
        return new Reader(path).Config(root);
    }

    private sealed class Reader(string path)
    {
        private ArgumentException Error(YamlPositioned node, string message) => new($"{path}:{node.Line}: {message}");

        private T Map<T>(T node, string where) where T : YamlPositioned =>
            node.Shape == YamlShape.Mapping ? node : throw Error(node, $"'{where}' must be a mapping.");

        private string Str(YamlText node, string where) =>
            node.Shape == YamlShape.Scalar ? node.Value : throw Error(node, $"'{where}' must be a single value.");

        private int Int(YamlText node, string where, int min) =>
            int.TryParse(Str(node, where), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) && i >= min ? i
                : throw Error(node, $"'{where}' must be an integer of at least {min} (got '{node.Value}').");

        private double Seconds(YamlText node, string where) =>
            double.TryParse(Str(node, where), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && d > 0 ? d
                : throw Error(node, $"'{where}' must be a positive number of seconds (got '{node.Value}').");

        private bool Bool(YamlText node, string where) =>
            bool.TryParse(Str(node, where), out bool b) ? b : throw Error(node, $"'{where}' must be true or false (got '{node.Value}').");

        private IReadOnlyList<T> Seq<T>(YamlList<T> node, string where) where T : YamlPositioned =>
            node.Shape == YamlShape.Sequence ? node.Items : throw Error(node, $"'{where}' must be a list.");

        public SourcesConfig Config(SourcesYaml root)
        {
            var scrape = new ScrapeSettings();
            if (root.Scrape is { } s)
            {
                Map(s, "scrape");
                scrape = new ScrapeSettings
                {
                    IntervalSeconds = s.IntervalS is { } i ? Seconds(i, "scrape.interval_s") : 1,
                    TimeoutSeconds = s.TimeoutS is { } t ? Seconds(t, "scrape.timeout_s") : null,
                    StaleAfterSeconds = s.StaleAfterS is { } st ? Seconds(st, "scrape.stale_after_s") : null,
                };
            }
            var rules = new List<SpanRule>();
            if (root.Spans is { } spans)
                foreach (var r in Seq(spans, "spans"))
                {
                    Map(r, "spans[]");
                    if (r.Match is not { } match || r.Deployment is not { } dep) throw Error(r, "a span rule needs 'match' and 'deployment'.");
                    rules.Add(new SpanRule(Match(match, "spans[].match"), Str(dep, "spans[].deployment"), r.Replica is { } rep ? Int(rep, "spans[].replica", 0) : 0));
                }
            var deployments = new List<SourceDeployment>();
            if (root.Deployments is { } ds)
                foreach (var d in Seq(ds, "deployments"))
                {
                    Map(d, "deployments[]");
                    if (d.Name is not { } nameNode) throw Error(d, "a deployment needs a 'name'.");
                    string name = Str(nameNode, "deployments[].name");
                    var targets = new List<ScrapeTarget>();
                    if (d.Targets is { } ts)
                        foreach (var t in Seq(ts, "targets"))
                        {
                            var (target, rule) = Target(t, name);
                            targets.Add(target);
                            if (rule is not null) rules.Add(rule);
                        }
                    if (deployments.Any(x => x.Name == name)) throw Error(nameNode, $"deployment '{name}' is listed twice.");
                    deployments.Add(new SourceDeployment { Name = name, Spec = d.Spec is { } spec ? Spec(spec, name) : null, Targets = targets });
                }
            string? gateway = null;
            if (root.Gateway is { } g && Map(g, "gateway").Deployment is { } gd) gateway = Str(gd, "gateway.deployment");
            return new SourcesConfig { Scrape = scrape, SpanRules = rules, Deployments = deployments, GatewayDeployment = gateway };
        }

        private Dictionary<string, string> Match(YamlMap<YamlText> node, string where)
        {
            var m = Map(node, where).Entries.ToDictionary(kv => kv.Key, kv => Str(kv.Value, $"{where}.{kv.Key}"), StringComparer.Ordinal);
            return m.Count > 0 ? m : throw Error(node, $"'{where}' must name at least one resource attribute.");
        }

        private (ScrapeTarget, SpanRule?) Target(TargetYaml node, string deployment)
        {
            Map(node, "targets[]");
            if (node.Metrics is not { } urlNode) throw Error(node, "a target needs 'metrics' (the URL of its vLLM /metrics).");
            string text = Str(urlNode, "targets[].metrics");
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw Error(urlNode, $"'targets[].metrics' must be an http:// or https:// URL (got '{text}').");
            int replica = node.Replica is { } r ? Int(r, "targets[].replica", 0) : 0;
            Dictionary<string, int>? engines = null;
            if (node.Engines is { } e)
                engines = Map(e, "targets[].engines").Entries.ToDictionary(kv => kv.Key, kv => Int(kv.Value, $"targets[].engines.{kv.Key}", 0), StringComparer.Ordinal);
            Uri? openai = null;
            if (node.OpenAi is { } o)
            {
                string t = Str(o, "targets[].openai");
                openai = Uri.TryCreate(t.EndsWith('/') ? t : t + "/", UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u
                    : throw Error(o, $"'targets[].openai' must be an http:// or https:// URL (got '{t}').");
            }
            var target = new ScrapeTarget { Deployment = deployment, Url = url, Replica = replica, Engines = engines, OpenAi = openai, KvEvents = node.KvEvents is { } kv ? KvEvents(kv) : null };
            return (target, node.Spans is { } sp ? new SpanRule(Match(sp, "targets[].spans"), deployment, replica) : null);
        }

        /// <summary>The twin's side of vLLM's <c>--kv-events-config</c> for one replica.</summary>
        private KvSourceOptions KvEvents(KvEventsYaml node)
        {
            Map(node, "targets[].kv_events");
            if (node.Endpoint is not { } e) throw Error(node, "'targets[].kv_events' needs 'endpoint' (tcp://HOST:PORT).");
            string endpoint = Str(e, "targets[].kv_events.endpoint");
            if (!endpoint.StartsWith("tcp://", StringComparison.Ordinal)) throw Error(e, $"'targets[].kv_events.endpoint' must be tcp://HOST:PORT (got '{endpoint}'; NetMQ has no ipc://).");
            string? replay = node.ReplayEndpoint is { } r ? Str(r, "targets[].kv_events.replay_endpoint") : null;
            if (replay is not null && !replay.StartsWith("tcp://", StringComparison.Ordinal)) throw Error(node.ReplayEndpoint!, $"'targets[].kv_events.replay_endpoint' must be tcp://HOST:PORT (got '{replay}').");
            return new KvSourceOptions(endpoint, node.Bind is { } b && Bool(b, "targets[].kv_events.bind"), replay,
                node.Topic is { } t ? Str(t, "targets[].kv_events.topic") : "");
        }

        private TwinDeploymentSpec Spec(SpecYaml node, string name)
        {
            Map(node, "spec");
            if (node.Model is not { } model || node.Hardware is not { } hw) throw Error(node, "a spec needs 'model' and 'hardware'.");
            var spec = new TwinDeploymentSpec
            {
                Name = name, Model = Str(model, "spec.model"), Hardware = Str(hw, "spec.hardware"),
                TensorParallel = node.TensorParallel is { } tp ? Int(tp, "spec.tensor_parallel", 1) : 1,
                Replicas = node.Replicas is { } rs ? Int(rs, "spec.replicas", 1) : 1,
                Scheduler = node.Scheduler is { } sc ? Str(sc, "spec.scheduler") : "vllm-v1",
                PerfModel = node.PerfModel is { } pm ? Str(pm, "spec.perf_model") : "auto",
            };
            if (node.Engine is { } e)
            {
                Map(e, "spec.engine");
                int? I(YamlText? v, string k) => v is null ? null : Int(v, $"spec.engine.{k}", 1);
                spec = spec with
                {
                    MaxNumSeqs = I(e.MaxNumSeqs, "max_num_seqs"), MaxNumBatchedTokens = I(e.MaxNumBatchedTokens, "max_num_batched_tokens"),
                    BlockSize = I(e.BlockSize, "block_size"), KvBlocks = I(e.KvBlocks, "kv_blocks"), MaxModelLen = I(e.MaxModelLen, "max_model_len"),
                    EnablePrefixCaching = e.EnablePrefixCaching is { } pc ? Bool(pc, "spec.engine.enable_prefix_caching") : null,
                    GpuMemoryUtilization = e.GpuMemoryUtilization is { } gu ? Seconds(gu, "spec.engine.gpu_memory_utilization") : null,
                };
            }
            return spec;
        }
    }
}
