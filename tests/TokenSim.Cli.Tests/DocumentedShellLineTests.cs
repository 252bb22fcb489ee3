using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary>
/// Every line of a shell block in README.md and docs/ is of a kind some test runs (or, where running it needs what CI
/// cannot have, checks against what it names): a new line of an unknown kind fails here until a test covers it. This
/// class also covers two kinds itself: <c>curl</c> lines, run against their block's emulator, and <c>dotnet
/// build</c>/<c>dotnet test</c> lines, checked (see <see cref="BuildOrTestLine_NamesWhatCiBuildsAndRuns"/> for why
/// they are not run).
/// </summary>
public sealed class DocumentedShellLineTests
{
    /// <summary>The test files that take each kind's lines from <see cref="DocumentedShellLine.All"/> and run them.</summary>
    private static readonly Dictionary<ShellLineKind, string[]> CoveredBy = new()
    {
        [ShellLineKind.Cli] = ["TokenSim.Cli.Tests/DocumentedCommandTests.cs"],
        [ShellLineKind.BuildOrTest] = ["TokenSim.Cli.Tests/DocumentedShellLineTests.cs"],
        [ShellLineKind.ToolInstall] = ["TokenSim.Cli.Tests/ToolPackageTests.cs"],
        [ShellLineKind.Curl] = ["TokenSim.Cli.Tests/DocumentedShellLineTests.cs"],
        [ShellLineKind.Server] = ["TokenSim.Twin.Tests/Docs/DocumentedServerLineTests.cs"],
        [ShellLineKind.Bench] = ["TokenSim.Twin.Tests/Docs/DocumentedServerLineTests.cs", "TokenSim.Twin.Tests/Docs/DocumentedBenchLineTests.cs"],
        [ShellLineKind.Ops] = ["TokenSim.Twin.Tests/Docs/DocumentedOpsLineTests.cs"],
        [ShellLineKind.Install] = ["TokenSim.Twin.Tests/Docs/DocumentedOpsLineTests.cs"],
        [ShellLineKind.Vllm] = ["TokenSim.Twin.Tests/Docs/DocumentedOpsLineTests.cs"],
    };

    [Fact]
    public void EveryShellLine_IsOfAKindATestCovers()
    {
        var all = DocumentedShellLine.All();
        Assert.True(all.Count >= 60, $"found only {all.Count} shell lines: the extraction is broken");
        var unknown = all.Where(l => l.Kind is null).ToList();
        Assert.True(unknown.Count == 0, "no test runs these documented lines (add a test, or a kind in DocumentedShellLine):\n" + string.Join('\n', unknown));
        foreach (var kind in Enum.GetValues<ShellLineKind>())
        {
            Assert.Contains(all, l => l.Kind == kind);
            foreach (var file in CoveredBy[kind])
            {
                string path = DocumentedShellLine.RepoRoot + "/tests/" + file;
                Assert.True(File.Exists(path), $"{file}, which runs the {kind} lines, is gone");
                // It must take the kind's lines from the extraction, not a list of its own.
                string marker = kind == ShellLineKind.Cli ? @"DocumentedCommand\.All\(\)" : $@"(?:OfKind\(|Kind == )ShellLineKind\.{kind}\b";
                Assert.True(Regex.IsMatch(File.ReadAllText(path), marker), $"{file} does not take the {kind} lines from the extraction");
            }
        }
        // The two extractions agree: every CLI line of a shell block is one DocumentedCommandTests runs.
        var commands = DocumentedCommand.All().Select(c => (c.File, c.Line)).ToHashSet();
        foreach (var l in all.Where(l => l.Kind == ShellLineKind.Cli))
            Assert.True(commands.Contains((l.File, l.Line)), $"{l}: a CLI line DocumentedCommand does not extract");
    }

    /// <summary>
    /// A shell variable makes a line mean something only a shell knows, so no test could run it as written. The one
    /// exception is <c>$!</c> right after a line started in the background (<c>&amp;</c>): the tests that start that
    /// line put its process id there, as bash does.
    /// </summary>
    [Fact]
    public void NoShellVariables_ButThePidOfTheBlocksBackgroundLine()
    {
        var all = DocumentedShellLine.All();
        foreach (var l in all)
        {
            // Inside single quotes a $ is literal to the shell.
            string unquoted = Regex.Replace(l.Text, "'[^']*'", "''");
            foreach (Match m in Regex.Matches(unquoted, @"\$\S*"))
            {
                Assert.True(m.Value == "$!", $"{l}: the shell variable {m.Value} in a bash block (no test can run it as written)");
                Assert.True(all.Any(b => b.Block == l.Block && b.Line < l.Line && b.Background), $"{l}: $! with no line started in the background before it");
            }
        }
    }

    public static TheoryData<string> BuildOrTestLines() => DocumentedShellLine.OfKind(ShellLineKind.BuildOrTest);

    /// <summary>
    /// <c>dotnet build</c> and <c>dotnet test</c> lines are checked, not run: started from inside a test run they would
    /// rebuild the assemblies the running tests load. .ci/run runs <c>dotnet test TokenSim.sln -c Release</c> (the
    /// README's line with a configuration), which builds every project of the solution and runs every test; so each
    /// line must name the solution or a project in it, and a <c>--filter</c> must select tests that exist there.
    /// </summary>
    [Theory]
    [MemberData(nameof(BuildOrTestLines))]
    public void BuildOrTestLine_NamesWhatCiBuildsAndRuns(string id)
    {
        var line = DocumentedShellLine.Find(id);
        string root = DocumentedShellLine.RepoRoot;
        Assert.Contains("\ndotnet test TokenSim.sln -c Release ", File.ReadAllText(Path.Combine(root, ".ci", "run")));
        var solution = File.ReadAllText(Path.Combine(root, "TokenSim.sln")).Replace('\\', '/');
        var words = line.Words;
        Assert.Equal("dotnet", words[0]);
        string verb = words[1];
        string? target = null, filter = null;
        for (int i = 2; i < words.Length; i++)
        {
            switch (words[i])
            {
                case "-c": Assert.Equal("Release", words[++i]); break;
                case "--no-build": Assert.Equal("test", verb); break;
                case "--filter": filter = words[++i]; break;
                case "--logger": i++; break;
                case var w when !w.StartsWith('-') && target is null: target = w; break;
                default: Assert.Fail($"{line}: {words[i]} is an option this test does not know; say here what it changes"); break;
            }
        }
        // No target: the folder's one solution, TokenSim.sln.
        target ??= "TokenSim.sln";
        if (target != "TokenSim.sln")
        {
            string dir = Path.Combine(root, target);
            var project = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.csproj").SingleOrDefault() : null;
            Assert.True(project is not null, $"{line}: {target} is not a project folder");
            string rel = Path.GetRelativePath(root, project).Replace('\\', '/');
            Assert.True(solution.Contains($"\"{rel}\""), $"{line}: {rel} is not in TokenSim.sln, so CI neither builds nor tests it");
            if (filter is not null)
            {
                // "FullyQualifiedName~X" or a bare X (dotnet test reads that as FullyQualifiedName~X): a namespace or a class there.
                string name = Regex.Replace(filter, "^FullyQualifiedName~", "");
                Assert.Matches(@"^[\w.]+$", name);
                string last = name.Split('.')[^1];
                bool found = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText)
                    .Any(t => Regex.IsMatch(t, $@"\bnamespace {Regex.Escape(name)}\b") || Regex.IsMatch(t, $@"\bclass {Regex.Escape(last)}\b"));
                Assert.True(found, $"{line}: the filter {filter} selects no test in {target}");
            }
        }
        else Assert.Null(filter);
    }

    public static TheoryData<string> CurlLines() => DocumentedShellLine.OfKind(ShellLineKind.Curl);

    /// <summary>
    /// A curl line runs as written against the <c>tokensim emulate</c> line of its block, both on free ports instead of
    /// the documented ones (replica i's port + i kept), and the stream it prints ends as vLLM's does.
    /// </summary>
    [Theory]
    [MemberData(nameof(CurlLines))]
    public async Task CurlLine_IsAnsweredByItsBlocksEmulator(string id)
    {
        var line = DocumentedShellLine.Find(id);
        string? curl = Environment.GetEnvironmentVariable("PATH")!.Split(Path.PathSeparator).Select(d => Path.Combine(d, "curl")).FirstOrDefault(File.Exists);
        Assert.True(curl is not null, "curl is not on PATH (apt-get install curl; .ci/run installs it): this test runs the documented curl line.");
        var server = line.BlockLines().Single(l => l.Kind == ShellLineKind.Cli && l.Line < line.Line && l.Words.Contains("emulate"));
        var command = DocumentedCommand.All().Single(c => c.File == server.File && c.Line == server.Line);
        await using var emulator = await DocumentedEmulator.StartAsync(command);
        var args = line.Words.Skip(1).Select(emulator.Ports.Rewrite).ToList();
        var psi = new ProcessStartInfo(curl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{line}: curl did not finish in 60 s");
        string output = await stdout;
        Assert.True(p.ExitCode == 0, $"{line}\nran: curl {string.Join(' ', args)}\nexit {p.ExitCode}: {await stderr}");
        // A streamed completion: at least one chunk with text, then the end marker.
        Assert.Matches(@"(?m)^data: \{.*""(?:text|content)"":""[^""]+", output);
        Assert.EndsWith("data: [DONE]", output.TrimEnd());
    }
}
