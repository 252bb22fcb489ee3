using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static TokenSim.Twin.Tests.Ops.HelmChart;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// helm/tokensim with the real helm: lint --strict, template for the defaults and every ci/ values file, each rendered
/// object valid against the Kubernetes (and prometheus-operator) schemas, both shapes as the values ask, refusals
/// of shapes that cannot work, and only settings TokenSim.Server reads.
/// </summary>
public sealed partial class HelmChartTests
{
    [SkippableTheory]
    [MemberData(nameof(ValuesFiles), MemberType = typeof(HelmChart))]
    public async Task Lint_Strict_Passes(string? valuesFile)
    {
        Skip.If(Helm is null, MissingHelm);
        var (code, stdout, stderr) = await OpsTool.RunAsync(Helm!, ["lint", "--strict", OpsTool.Chart, .. ValuesArgs(valuesFile)]);
        Assert.True(code == 0, $"helm lint --strict {valuesFile} exited {code}:\n{stdout}\n{stderr}");
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", stdout);
    }

    [SkippableTheory]
    [MemberData(nameof(ValuesFiles), MemberType = typeof(HelmChart))]
    public async Task Template_EveryObjectIsValidAgainstTheKubernetesSchemas(string? valuesFile)
    {
        Skip.If(Helm is null, MissingHelm);
        Skip.If(MissingValidator is not null, MissingValidator);
        var (code, rendered, stderr) = await TemplateAsync(valuesFile);
        Assert.True(code == 0, $"helm template {valuesFile} exited {code}: {stderr}");
        var (vcode, report, verr) = await OpsTool.RunAsync(OpsTool.Find("node")!, [Path.Combine(ValidatorDir, "validate.mjs")], stdin: rendered);
        Assert.True(vcode == 0, $"{valuesFile ?? "default values"}: objects failed validation:\n{report}\n{verr}");
        Assert.Contains($"{Objects(rendered).Count} objects, 0 invalid", report);
    }

    /// <summary>
    /// The validator is not a rubber stamp: a port given by name where the schema wants a number fails, and so do
    /// fields the Kubernetes API does not define (a misspelt replicas, a container field in the pod spec).
    /// </summary>
    [SkippableTheory]
    [InlineData("{containerPort: grpc}", "", "invalid Deployment/broken: data/spec/template/spec/containers/0/ports/0/containerPort must be integer")]
    [InlineData("{containerPort: 7100}", "replica: 2", "invalid Deployment/broken: /spec/replica is not a field of V1DeploymentSpec")]
    [InlineData("{containerPort: 7100}", "paused: false", "")]
    public async Task Validator_RejectsInvalidObjects(string port, string specField, string expected)
    {
        Skip.If(MissingValidator is not null, MissingValidator);
        string doc = $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: broken}
            spec:
              {{{specField}}}
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: x}}
                spec:
                  containers: [{name: c, image: i, ports: [{{{port}}}]}]
            """;
        var (code, report, _) = await OpsTool.RunAsync(OpsTool.Find("node")!, [Path.Combine(ValidatorDir, "validate.mjs")], stdin: doc);
        if (expected.Length == 0)
        {
            Assert.True(code == 0, report);
            Assert.Contains("ok Deployment/broken", report);
            return;
        }
        Assert.Equal(1, code);
        Assert.Contains(expected, report);
    }

    [SkippableFact]
    public async Task Default_OneSiloWithTheFrontEndInside()
    {
        Skip.If(Helm is null, MissingHelm);
        var objects = await RenderAsync(null);
        Assert.Equal(["Deployment/twin-tokensim-silo", "PodDisruptionBudget/twin-tokensim-silo", "Role/twin-tokensim-orleans", "RoleBinding/twin-tokensim-orleans", "Service/twin-tokensim", "ServiceAccount/twin-tokensim"],
            objects.Select(o => $"{Kind(o)}/{Name(o)}").Order(StringComparer.Ordinal));
        var silo = Single(objects, "Deployment", "twin-tokensim-silo");
        Assert.Equal("1", Str((YamlMappingNode)silo["spec"], "replicas"));
        var env = Env(Containers(silo).Single());
        Assert.Equal("both", env["TOKENSIM_ROLE"]);
        Assert.Equal("0.0.0.0", env["TOKENSIM_BIND"]);
        Assert.Equal("true", env["TOKENSIM_KUBERNETES_HOSTING"]);
        Assert.False(env.ContainsKey("TOKENSIM_CLUSTER_REDIS"));
        Assert.False(env.ContainsKey("TOKENSIM_REDIS"));
        // The API Service reaches the silo pods, whose template carries the front-end label and Orleans' pod labels.
        var labels = PodLabels(silo);
        Assert.Equal("true", Str(labels, "tokensim.dev/frontend"));
        Assert.Equal("tokensim", Str(labels, "orleans/serviceId"));
        var service = (YamlMappingNode)Single(objects, "Service", "twin-tokensim")["spec"];
        Assert.Equal(["grpc:7100->grpc", "http:7101->http", "otlp-grpc:4317->grpc", "otlp-http:4318->http"],
            ((YamlSequenceNode)service["ports"]).Cast<YamlMappingNode>().Select(p => $"{Str(p, "name")}:{Str(p, "port")}->{Str(p, "targetPort")}"));
        // Probes are gRPC health checks on the gRPC port.
        var container = Containers(silo).Single();
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
            Assert.Equal("7100", Str((YamlMappingNode)((YamlMappingNode)container[probe])["grpc"], "port"));
    }

    [SkippableFact]
    public async Task Clustered_SilosAndSeparateFrontEndsMeetInRedis()
    {
        Skip.If(Helm is null, MissingHelm);
        var objects = await RenderAsync("clustered-values.yaml");
        var silo = Single(objects, "Deployment", "twin-tokensim-silo");
        var frontend = Single(objects, "Deployment", "twin-tokensim-frontend");
        Assert.Equal("3", Str((YamlMappingNode)silo["spec"], "replicas"));
        Assert.Equal("2", Str((YamlMappingNode)frontend["spec"], "replicas"));
        var siloEnv = Env(Containers(silo).Single());
        var frontEnv = Env(Containers(frontend).Single());
        Assert.Equal("silo", siloEnv["TOKENSIM_ROLE"]);
        Assert.Equal("frontend", frontEnv["TOKENSIM_ROLE"]);
        Assert.Equal("$(POD_IP)", siloEnv["TOKENSIM_ADVERTISE_IP"]);
        Assert.Equal("field:status.podIP", siloEnv["POD_IP"]);
        Assert.Equal("secret:tokensim-redis/connection-string", siloEnv["TOKENSIM_CLUSTER_REDIS"]);
        Assert.Equal("secret:tokensim-redis/connection-string", siloEnv["TOKENSIM_REDIS"]);
        Assert.Equal("secret:tokensim-redis/connection-string", frontEnv["TOKENSIM_CLUSTER_REDIS"]);
        Assert.Equal("secret:twin-tokensim-secrets/api-key", frontEnv["TOKENSIM_API_KEY"]);
        Assert.False(frontEnv.ContainsKey("TOKENSIM_KUBERNETES_HOSTING"));
        Assert.False(frontEnv.ContainsKey("TOKENSIM_REDIS"));   // grain storage is the silos' business
        Assert.Equal("false", Str(PodSpec(frontend), "automountServiceAccountToken"));
        // The API Service selects the front ends only (the silos lack the front-end label); the ServiceMonitor scrapes both.
        var labels = PodLabels(silo);
        Assert.False(labels.Children.ContainsKey("tokensim.dev/frontend"));
        Single(objects, "Service", "twin-tokensim-silo");
        var monitor = (YamlMappingNode)Single(objects, "ServiceMonitor", "twin-tokensim")["spec"];
        Assert.Equal("app.kubernetes.io/name", Str(monitor, "jobLabel"));
        Assert.Equal(2, objects.Count(o => Kind(o) == "PodDisruptionBudget"));
    }

    /// <summary>The escape hatches reach the pods: a config file mounted at /etc/tokensim, an extra port on the
    /// container and the API Service, an extra variable.</summary>
    [SkippableFact]
    public async Task Extras_FilesPortsAndVariablesReachThePods()
    {
        Skip.If(Helm is null, MissingHelm);
        var objects = await RenderAsync("extras-values.yaml");
        var files = (YamlMappingNode)Single(objects, "ConfigMap", "twin-tokensim-files")["data"];
        Assert.Equal("deployments: []", Str(files, "deployments.yaml").Split('\n')[1]);
        var silo = Single(objects, "Deployment", "twin-tokensim-silo");
        var container = Containers(silo).Single();
        Assert.Contains(((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>(), m => Str(m, "name") == "files" && Str(m, "mountPath") == "/etc/tokensim");
        Assert.Contains(((YamlSequenceNode)PodSpec(silo)["volumes"]).Cast<YamlMappingNode>(),
            v => Str(v, "name") == "files" && Str((YamlMappingNode)v["configMap"], "name") == "twin-tokensim-files");
        Assert.Contains(((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>(), p => Str(p, "name") == "kv-events" && Str(p, "containerPort") == "5557");
        var service = (YamlMappingNode)Single(objects, "Service", "twin-tokensim")["spec"];
        Assert.Contains(((YamlSequenceNode)service["ports"]).Cast<YamlMappingNode>(), p => Str(p, "name") == "kv-events" && Str(p, "targetPort") == "kv-events");
        Assert.Equal("deployment.environment=staging", Env(container)["OTEL_RESOURCE_ATTRIBUTES"]);
        // The sources file by name, and the gateway on its port in the pod and on the API Service.
        Assert.Equal("/etc/tokensim/sources.yaml", Env(container)["TOKENSIM_SOURCES"]);
        Assert.Equal(("true", "7102"), (Env(container)["TOKENSIM_PROXY"], Env(container)["TOKENSIM_PROXY_PORT"]));
        Assert.Equal("5", Env(container)["TOKENSIM_FORECAST_INTERVAL"]);
        Assert.Contains(((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>(), p => Str(p, "name") == "openai" && Str(p, "containerPort") == "7102");
        Assert.Contains(((YamlSequenceNode)service["ports"]).Cast<YamlMappingNode>(), p => Str(p, "name") == "openai" && Str(p, "port") == "7102" && Str(p, "targetPort") == "openai");
    }

    [SkippableTheory]
    [InlineData("shape=separate", "shape: separate needs cluster.provider: redis")]
    [InlineData("silo.replicas=3", "silo.replicas > 1 needs cluster.provider: redis")]
    [InlineData("cluster.provider=redis", "cluster.provider: redis needs cluster.redis.connectionString or cluster.redis.existingSecret")]
    [InlineData("shape=sideways", "at '/shape': value must be one of 'embedded', 'separate'")]
    [InlineData("cluster.provider=postgresql", "at '/cluster/provider': value must be one of 'none', 'redis'")]
    [InlineData("twin.proxy=true", "twin.proxy needs twin.sourcesFile")]
    [InlineData("twin.sourcesFile=sources.yaml", "twin.sourcesFile \"sources.yaml\" is not a key of configFiles")]
    public async Task Template_RefusesValuesThatCannotWork(string set, string reason)
    {
        Skip.If(Helm is null, MissingHelm);
        var (code, _, stderr) = await TemplateAsync(null, set);
        Assert.NotEqual(0, code);
        Assert.Contains(reason, stderr);
    }

    /// <summary>
    /// Every TOKENSIM_* variable the chart sets, for every values file, is one TokenSim.Server reads: a setting its
    /// <c>--help</c> lists, or a string literal in its source; the other variables are OpenTelemetry's standard ones
    /// and the pod facts Orleans' Kubernetes hosting reads.
    /// </summary>
    [SkippableFact]
    public async Task RenderedVariables_AreOnlyOnesTheServerReads()
    {
        Skip.If(Helm is null, MissingHelm);
        var read = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "src", "TokenSim.Server"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => QuotedVariable().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToHashSet();
        var help = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        help.ArgumentList.Add(ServerProcess.BuiltDll("TokenSim.Server"));
        help.ArgumentList.Add("--help");
        using (var p = Process.Start(help)!)
        {
            var text = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.Equal(0, p.ExitCode);
            read.UnionWith(HelpVariable().Matches(text).Select(m => m.Groups[1].Value));
        }
        Assert.Contains("TOKENSIM_ROLE", read);
        string[] others = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "POD_NAME", "POD_NAMESPACE", "POD_IP"];
        int seen = 0;
        foreach (var values in ValuesFiles().Select(v => (string?)v[0]))
        {
            foreach (var d in (await RenderAsync(values)).Where(o => Kind(o) == "Deployment"))
                foreach (var name in Containers(d).SelectMany(c => Env(c).Keys))
                {
                    seen++;
                    Assert.True(name.StartsWith("TOKENSIM_", StringComparison.Ordinal) ? read.Contains(name) : others.Contains(name),
                        $"{values ?? "default values"}: {Name(d)} sets {name}, which TokenSim.Server does not read");
                }
        }
        Assert.True(seen > 20);
    }

    [GeneratedRegex("\"(TOKENSIM_[A-Z0-9_]+)\"")]
    private static partial Regex QuotedVariable();

    [GeneratedRegex("\\[(TOKENSIM_[A-Z0-9_]+)\\]")]
    private static partial Regex HelpVariable();
}
