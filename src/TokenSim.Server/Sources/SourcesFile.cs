using System.Globalization;
using TokenSim.Twin.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Server.Sources;

/// <summary>Reads a sources file (YAML, or JSON, which is YAML too); every error names the file, line and key.</summary>
public static class SourcesFile
{
    public static SourcesConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--sources: the file '{path}' does not exist.");
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ArgumentException($"{path}:{e.Start.Line}: {e.Message}", e);
        }
        // YamlDotNet throws these, with no position, on some malformed input (a lone CR inside a flow mapping, a stray ': ').
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ArgumentException($"{path}: not valid YAML ({e.Message})", e);
        }
        if (yaml.Documents.Count == 0) return SourcesConfig.Empty;
        var root = yaml.Documents[0].RootNode as YamlMappingNode ?? throw new ArgumentException($"{path}: the sources file must be a mapping.");
        return new Reader(path).Config(root);
    }

    private sealed class Reader(string path)
    {
        private ArgumentException Error(YamlNode node, string message) => new($"{path}:{node.Start.Line}: {message}");

        private Dictionary<string, YamlNode> Map(YamlNode node, string where, params string[] allowed)
        {
            if (node is not YamlMappingNode m) throw Error(node, $"'{where}' must be a mapping.");
            var d = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (k, v) in m.Children)
            {
                string key = ((YamlScalarNode)k).Value ?? "";
                if (allowed.Length > 0 && !allowed.Contains(key)) throw Error(k, $"unknown key '{where}.{key}' (known: {string.Join(", ", allowed)}).");
                d[key] = v;
            }
            return d;
        }

        private string Str(YamlNode node, string where) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"'{where}' must be a single value.");

        private int Int(YamlNode node, string where, int min) =>
            int.TryParse(Str(node, where), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) && i >= min ? i
                : throw Error(node, $"'{where}' must be an integer of at least {min} (got '{Str(node, where)}').");

        private double Seconds(YamlNode node, string where) =>
            double.TryParse(Str(node, where), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && d > 0 ? d
                : throw Error(node, $"'{where}' must be a positive number of seconds (got '{Str(node, where)}').");

        private bool Bool(YamlNode node, string where) =>
            bool.TryParse(Str(node, where), out bool b) ? b : throw Error(node, $"'{where}' must be true or false (got '{Str(node, where)}').");

        private IEnumerable<YamlNode> Seq(YamlNode node, string where) =>
            node is YamlSequenceNode s ? s.Children : throw Error(node, $"'{where}' must be a list.");

        public SourcesConfig Config(YamlMappingNode root)
        {
            var top = Map(root, "sources", "scrape", "spans", "deployments", "gateway");
            var scrape = new ScrapeSettings();
            if (top.TryGetValue("scrape", out var s))
            {
                var m = Map(s, "scrape", "interval_s", "timeout_s", "stale_after_s");
                scrape = new ScrapeSettings
                {
                    IntervalSeconds = m.TryGetValue("interval_s", out var i) ? Seconds(i, "scrape.interval_s") : 1,
                    TimeoutSeconds = m.TryGetValue("timeout_s", out var t) ? Seconds(t, "scrape.timeout_s") : null,
                    StaleAfterSeconds = m.TryGetValue("stale_after_s", out var st) ? Seconds(st, "scrape.stale_after_s") : null,
                };
            }
            var rules = new List<SpanRule>();
            if (top.TryGetValue("spans", out var sp))
                foreach (var r in Seq(sp, "spans"))
                {
                    var m = Map(r, "spans[]", "match", "deployment", "replica");
                    if (!m.TryGetValue("match", out var match) || !m.TryGetValue("deployment", out var dep)) throw Error(r, "a span rule needs 'match' and 'deployment'.");
                    rules.Add(new SpanRule(Match(match, "spans[].match"), Str(dep, "spans[].deployment"), m.TryGetValue("replica", out var rep) ? Int(rep, "spans[].replica", 0) : 0));
                }
            var deployments = new List<SourceDeployment>();
            if (top.TryGetValue("deployments", out var ds))
                foreach (var d in Seq(ds, "deployments"))
                {
                    var m = Map(d, "deployments[]", "name", "spec", "targets");
                    if (!m.TryGetValue("name", out var nameNode)) throw Error(d, "a deployment needs a 'name'.");
                    string name = Str(nameNode, "deployments[].name");
                    var targets = new List<ScrapeTarget>();
                    if (m.TryGetValue("targets", out var ts))
                        foreach (var t in Seq(ts, "targets"))
                        {
                            var (target, rule) = Target(t, name);
                            targets.Add(target);
                            if (rule is not null) rules.Add(rule);
                        }
                    if (deployments.Any(x => x.Name == name)) throw Error(nameNode, $"deployment '{name}' is listed twice.");
                    deployments.Add(new SourceDeployment { Name = name, Spec = m.TryGetValue("spec", out var spec) ? Spec(spec, name) : null, Targets = targets });
                }
            string? gateway = null;
            if (top.TryGetValue("gateway", out var g))
            {
                var m = Map(g, "gateway", "deployment");
                if (m.TryGetValue("deployment", out var gd)) gateway = Str(gd, "gateway.deployment");
            }
            return new SourcesConfig { Scrape = scrape, SpanRules = rules, Deployments = deployments, GatewayDeployment = gateway };
        }

        private Dictionary<string, string> Match(YamlNode node, string where)
        {
            var m = Map(node, where).ToDictionary(kv => kv.Key, kv => Str(kv.Value, $"{where}.{kv.Key}"), StringComparer.Ordinal);
            return m.Count > 0 ? m : throw Error(node, $"'{where}' must name at least one resource attribute.");
        }

        private (ScrapeTarget, SpanRule?) Target(YamlNode node, string deployment)
        {
            var m = Map(node, "targets[]", "metrics", "replica", "engines", "spans", "openai", "kv_events");
            if (!m.TryGetValue("metrics", out var urlNode)) throw Error(node, "a target needs 'metrics' (the URL of its vLLM /metrics).");
            string text = Str(urlNode, "targets[].metrics");
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw Error(urlNode, $"'targets[].metrics' must be an http:// or https:// URL (got '{text}').");
            int replica = m.TryGetValue("replica", out var r) ? Int(r, "targets[].replica", 0) : 0;
            Dictionary<string, int>? engines = null;
            if (m.TryGetValue("engines", out var e))
                engines = Map(e, "targets[].engines").ToDictionary(kv => kv.Key, kv => Int(kv.Value, $"targets[].engines.{kv.Key}", 0), StringComparer.Ordinal);
            Uri? openai = null;
            if (m.TryGetValue("openai", out var o))
            {
                string t = Str(o, "targets[].openai");
                openai = Uri.TryCreate(t.EndsWith('/') ? t : t + "/", UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u
                    : throw Error(o, $"'targets[].openai' must be an http:// or https:// URL (got '{t}').");
            }
            var target = new ScrapeTarget { Deployment = deployment, Url = url, Replica = replica, Engines = engines, OpenAi = openai, KvEvents = m.TryGetValue("kv_events", out var kv) ? KvEvents(kv) : null };
            return (target, m.TryGetValue("spans", out var sp) ? new SpanRule(Match(sp, "targets[].spans"), deployment, replica) : null);
        }

        /// <summary>The twin's side of vLLM's <c>--kv-events-config</c> for one replica.</summary>
        private TokenSim.Twin.Abstractions.KvSourceOptions KvEvents(YamlNode node)
        {
            var m = Map(node, "targets[].kv_events", "endpoint", "bind", "replay_endpoint", "topic");
            if (!m.TryGetValue("endpoint", out var e)) throw Error(node, "'targets[].kv_events' needs 'endpoint' (tcp://HOST:PORT).");
            string endpoint = Str(e, "targets[].kv_events.endpoint");
            if (!endpoint.StartsWith("tcp://", StringComparison.Ordinal)) throw Error(e, $"'targets[].kv_events.endpoint' must be tcp://HOST:PORT (got '{endpoint}'; NetMQ has no ipc://).");
            string? replay = m.TryGetValue("replay_endpoint", out var r) ? Str(r, "targets[].kv_events.replay_endpoint") : null;
            if (replay is not null && !replay.StartsWith("tcp://", StringComparison.Ordinal)) throw Error(r!, $"'targets[].kv_events.replay_endpoint' must be tcp://HOST:PORT (got '{replay}').");
            return new TokenSim.Twin.Abstractions.KvSourceOptions(endpoint, m.TryGetValue("bind", out var b) && Bool(b, "targets[].kv_events.bind"), replay,
                m.TryGetValue("topic", out var t) ? Str(t, "targets[].kv_events.topic") : "");
        }

        private TwinDeploymentSpec Spec(YamlNode node, string name)
        {
            var m = Map(node, "spec", "model", "hardware", "tensor_parallel", "replicas", "scheduler", "perf_model", "engine");
            if (!m.TryGetValue("model", out var model) || !m.TryGetValue("hardware", out var hw)) throw Error(node, "a spec needs 'model' and 'hardware'.");
            var spec = new TwinDeploymentSpec
            {
                Name = name, Model = Str(model, "spec.model"), Hardware = Str(hw, "spec.hardware"),
                TensorParallel = m.TryGetValue("tensor_parallel", out var tp) ? Int(tp, "spec.tensor_parallel", 1) : 1,
                Replicas = m.TryGetValue("replicas", out var rs) ? Int(rs, "spec.replicas", 1) : 1,
                Scheduler = m.TryGetValue("scheduler", out var sc) ? Str(sc, "spec.scheduler") : "vllm-v1",
                PerfModel = m.TryGetValue("perf_model", out var pm) ? Str(pm, "spec.perf_model") : "auto",
            };
            if (m.TryGetValue("engine", out var en))
            {
                var e = Map(en, "spec.engine", "max_num_seqs", "max_num_batched_tokens", "block_size", "kv_blocks", "max_model_len", "enable_prefix_caching", "gpu_memory_utilization");
                int? I(string k) => e.TryGetValue(k, out var v) ? Int(v, $"spec.engine.{k}", 1) : null;
                spec = spec with
                {
                    MaxNumSeqs = I("max_num_seqs"), MaxNumBatchedTokens = I("max_num_batched_tokens"), BlockSize = I("block_size"),
                    KvBlocks = I("kv_blocks"), MaxModelLen = I("max_model_len"),
                    EnablePrefixCaching = e.TryGetValue("enable_prefix_caching", out var pc) ? Bool(pc, "spec.engine.enable_prefix_caching") : null,
                    GpuMemoryUtilization = e.TryGetValue("gpu_memory_utilization", out var gu) ? Seconds(gu, "spec.engine.gpu_memory_utilization") : null,
                };
            }
            return spec;
        }
    }
}
