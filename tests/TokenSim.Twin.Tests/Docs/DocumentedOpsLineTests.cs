using System.Text.Json;
using System.Text.RegularExpressions;
using TokenSim.Cli.Tests;
using TokenSim.Emulator.Tests;
using TokenSim.Server.Extensions;
using TokenSim.Server.Sources.Otlp;
using TokenSim.Twin.Tests.Ops;
using static TokenSim.Twin.Tests.Ops.HelmChart;

namespace TokenSim.Twin.Tests.Docs;

/// <summary>
/// The operations lines of README.md and docs/: helm, promtool and pip run as written from the repository root (with
/// the differences each test states); docker, apt-get and vllm, which need what CI cannot have, checked against
/// what they name.
/// </summary>
[Collection(PythonClientTree.Name)]   // its pip line builds clients/python in place, as PythonClientTests' wheel test does
public sealed class DocumentedOpsLineTests
{
    public static TheoryData<string> OpsLines() => DocumentedShellLine.OfKind(ShellLineKind.Ops, l => !l.Text.StartsWith("docker ", StringComparison.Ordinal));
    public static TheoryData<string> DockerLines() => DocumentedShellLine.OfKind(ShellLineKind.Ops, l => l.Text.StartsWith("docker ", StringComparison.Ordinal));
    public static TheoryData<string> InstallLines() => DocumentedShellLine.OfKind(ShellLineKind.Install);
    public static TheoryData<string> VllmLines() => DocumentedShellLine.OfKind(ShellLineKind.Vllm);

    /// <summary>
    /// helm and promtool lines, run. <c>helm install</c> runs as <c>helm template</c> with the same arguments (install
    /// needs a cluster; template renders the objects install would apply), and the objects are validated against the
    /// Kubernetes schemas. <c>.ci/tools/bin/helm</c> is the helm the chart tests use (.ci/run caches one there only
    /// when none is on PATH). A pipe feeds the first command's output to the second. <c>cd DIR &amp;&amp;</c> runs
    /// the rest in DIR.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(OpsLines))]
    public async Task OpsLine_Runs(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        string dir = TestData.RepoRoot;
        if (words[0] == "cd")
        {
            Assert.Equal("&&", words[2]);
            dir = Path.Combine(dir, words[1]);
            words = words[3..];
        }
        int pipe = Array.IndexOf(words, "|");
        var first = pipe < 0 ? words : words[..pipe];
        string tool = Path.GetFileName(first[0]);
        string exe = tool switch
        {
            "helm" => Helm ?? "",
            _ => OpsTool.Find(tool) ?? "",
        };
        Skip.If(exe.Length == 0, tool == "helm" ? MissingHelm : OpsTool.Missing(tool, "apt-get install prometheus"));
        var args = first.Skip(1).ToList();
        if (tool == "helm" && args[0] == "install") args[0] = "template";
        var (code, stdout, stderr) = await OpsTool.RunAsync(exe, args, dir);
        Assert.True(code == 0, $"{line}\nexit {code}:\n{stdout}\n{stderr}");
        if (tool == "promtool") Assert.Contains("SUCCESS", stdout);
        if (args[0] == "lint") Assert.Contains("1 chart(s) linted, 0 chart(s) failed", stdout);
        if (args[0] == "template")
        {
            // Piped or not, the rendered objects must be valid; the documented pipe is the validator itself.
            string[] validator = pipe < 0 ? ["node", ".ci/k8s-validate/validate.mjs"] : words[(pipe + 1)..];
            Assert.Equal(["node", ".ci/k8s-validate/validate.mjs"], validator);
            Skip.If(MissingValidator is not null, MissingValidator);
            var (vcode, report, verr) = await OpsTool.RunAsync(OpsTool.Find("node")!, [Path.Combine(dir, validator[1])], dir, stdin: stdout);
            Assert.True(vcode == 0, $"{line}: objects failed validation:\n{report}\n{verr}");
            Assert.Contains($"{Objects(stdout).Count} objects, 0 invalid", report);
            // An image the line sets is the one every pod runs, with the chart's appVersion as its tag.
            if (args.Contains("--set") && args[args.IndexOf("--set") + 1].StartsWith("image.repository=", StringComparison.Ordinal))
            {
                string image = $"{args[args.IndexOf("--set") + 1]["image.repository=".Length..]}:{AppVersion()}";
                var deployments = Objects(stdout).Where(o => Kind(o) == "Deployment").ToList();
                Assert.NotEmpty(deployments);
                foreach (var c in deployments.SelectMany(Containers)) Assert.Equal(image, Str(c, "image"));
            }
        }
        else Assert.True(pipe < 0, $"{line}: a pipe this test does not know");
    }

    /// <summary>
    /// <c>docker build</c>, checked: CI has no container runtime. The context holds the Dockerfile; the image runs
    /// TokenSim.Server and exposes the ports the chart's Service sends to; and the tag is what the block's
    /// <c>helm install</c> pulls: the repository it sets and the chart's appVersion.
    /// </summary>
    [Theory]
    [MemberData(nameof(DockerLines))]
    public void DockerLine_BuildsTheImageTheChartRuns(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        Assert.Equal(["docker", "build", "-t"], words[..3]);
        Assert.Equal(5, words.Length);
        string dockerfile = Path.Combine(TestData.RepoRoot, words[4], "Dockerfile");
        Assert.True(File.Exists(dockerfile), $"{line}: no Dockerfile in {words[4]}");
        string text = File.ReadAllText(dockerfile);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""dotnet"", ""[^""]*/TokenSim\.Server\.dll""\]", text);
        var settings = new ServerSettings();
        var exposed = Regex.Match(text, @"(?m)^EXPOSE (.+)$").Groups[1].Value.Split(' ');
        Assert.Contains(settings.GrpcPort.ToString(), exposed);
        Assert.Contains(settings.MetricsPort.ToString(), exposed);
        var tag = words[3].Split(':');
        Assert.Equal(AppVersion(), tag[1]);
        var helm = line.BlockLines().Where(l => l.Text.StartsWith("helm install", StringComparison.Ordinal) && l.Text.Contains("image.repository=")).ToList();
        Assert.NotEmpty(helm);
        foreach (var h in helm) Assert.Contains($"--set image.repository={tag[0]}", h.Text);
    }

    /// <summary>
    /// <c>apt-get install</c>, checked: installing system packages needs root and changes the machine. .ci/run installs
    /// every package the line names before the tests run. <c>pip install</c>, run as written with <c>--target</c> a
    /// scratch folder added (not the system's site-packages), then imported from there.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(InstallLines))]
    public async Task InstallLine_IsWhatCiInstalls_OrRuns(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        if (words[0] == "sudo")
        {
            Assert.Equal(["sudo", "apt-get", "install", "-y"], words[..4]);
            var ci = File.ReadAllText(Path.Combine(TestData.RepoRoot, ".ci", "run"));
            var need = Regex.Match(ci, @"(?s)\nneed=\(([^)]*)\)").Groups[1].Value.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            foreach (var package in words[4..]) Assert.True(need.Contains(package), $"{line}: .ci/run does not install {package}");
            return;
        }
        Assert.Equal(["pip", "install"], words[..2]);
        string? pip = OpsTool.Find("pip");
        Skip.If(pip is null, OpsTool.Missing("pip", "Debian's python3-pip"));
        Skip.If(PythonWith.Grpc.Path is null, PythonWith.Grpc.Missing);
        var target = Directory.CreateTempSubdirectory("tokensim-pip-");
        try
        {
            var (code, stdout, stderr) = await OpsTool.RunAsync(pip!, [.. words[1..], "--target", target.FullName], TestData.RepoRoot);
            Assert.True(code == 0, $"{line}\nexit {code}:\n{stdout}\n{stderr}");
            var psi = new System.Diagnostics.ProcessStartInfo(PythonWith.Grpc.Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = target.FullName };
            foreach (var a in new[] { "-c", "import tokensim_client, tokensim_client.v1; from tokensim_client import TokenSimClient; print(tokensim_client.__file__)" }) psi.ArgumentList.Add(a);
            psi.Environment["PYTHONPATH"] = target.FullName;
            using var p = System.Diagnostics.Process.Start(psi)!;
            string printed = await p.StandardOutput.ReadToEndAsync();
            string err = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"{line}: the installed package does not import:\n{err}");
            Assert.StartsWith(target.FullName, printed.Trim());
        }
        finally { target.Delete(true); }
    }

    /// <summary>
    /// <c>vllm serve</c> lines, checked: vLLM needs an NVIDIA GPU and the model's weights. Each endpoint names the
    /// server's default port for its protocol (and OTLP/HTTP its path), the KV-event configuration is one vLLM's
    /// <c>KVEventsConfig</c> takes (the emulator reads it with vLLM's fields and defaults), and the resource
    /// attributes are the ones the server routes spans by.
    /// </summary>
    [Theory]
    [MemberData(nameof(VllmLines))]
    public void VllmLine_NamesWhatTheServerServes(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        var settings = new ServerSettings();
        int assignments = words.TakeWhile(w => Regex.IsMatch(w, "^[A-Z_]+=")).Count();
        var env = words[..assignments].Select(w => w.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        if (env.Remove("OTEL_RESOURCE_ATTRIBUTES", out var attributes))
        {
            var pairs = attributes.Split(',').Select(a => a.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            Assert.Equal([SpanRouter.DeploymentAttribute, SpanRouter.ReplicaAttribute], pairs.Keys.Order(StringComparer.Ordinal));
            Assert.Matches("^[0-9]+$", pairs[SpanRouter.ReplicaAttribute]);
        }
        var rest = words[assignments..];
        if (rest.Length == 0) return;
        Assert.Equal(["vllm", "serve"], rest[..2]);
        int checkedFlags = 0;
        for (int i = 2; i + 1 < rest.Length; i++)
        {
            if (rest[i] == "--otlp-traces-endpoint")
            {
                var url = new Uri(rest[++i]);
                bool http = env.TryGetValue("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", out var protocol);
                if (http)
                {
                    Assert.Equal("http/protobuf", protocol);
                    Assert.Equal(("http", settings.MetricsPort, OtlpEndpoints.HttpPath), (url.Scheme, url.Port, url.AbsolutePath));
                }
                else Assert.Equal(("grpc", settings.GrpcPort), (url.Scheme, url.Port));
                checkedFlags++;
            }
            else if (rest[i] == "--kv-events-config")
            {
                var config = TokenSim.Emulator.KvEventsConfig.Parse(rest[++i]);
                Assert.NotNull(config);
                using var doc = JsonDocument.Parse(rest[i]);
                Assert.Equal("zmq", doc.RootElement.GetProperty("publisher").GetString());
                // The twin's side, the page's sources file, connects to the ports vLLM binds, on its topic.
                string page = File.ReadAllText(Path.Combine(TestData.RepoRoot, line.File));
                string Yaml(string key) => Regex.Match(page, $@"(?m)^\s+{key}: (\S+)").Groups[1].Value;
                Assert.Equal(Port(config.Endpoint), Port(Yaml("(?<!_)endpoint")));
                Assert.Equal(Port(config.ReplayEndpoint!), Port(Yaml("replay_endpoint")));
                Assert.Equal(config.Topic, Yaml("topic"));
                checkedFlags++;
            }
        }
        Assert.True(checkedFlags > 0, $"{line}: no flag of the twin's checked");
    }

    private static string Port(string endpoint) => Regex.Match(endpoint, @":(\d+)$").Groups[1].Value;

    private static string AppVersion() =>
        Regex.Match(File.ReadAllText(Path.Combine(OpsTool.Chart, "Chart.yaml")), @"(?m)^appVersion: ""?([^""\s]+)").Groups[1].Value;
}
