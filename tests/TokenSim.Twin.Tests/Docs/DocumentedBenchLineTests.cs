using System.Text.RegularExpressions;
using TokenSim.Cli.Tests;
using TokenSim.Twin.Tests.Ops;

namespace TokenSim.Twin.Tests.Docs;

/// <summary>
/// The benchmark lines of README.md and docs/ that need no server started before them. Benchmarks of one process run
/// as written from the repository root at the smallest sizes they accept (one repeat, a few requests or streams); the
/// benchmark dlls are read in this run's configuration. (Those that follow a server line run with it, in
/// <see cref="DocumentedServerLineTests"/>.)
/// </summary>
public sealed class DocumentedBenchLineTests
{
    public static TheoryData<string> Lines(bool scripts) => DocumentedShellLine.OfKind(ShellLineKind.Bench,
        l => !l.BlockLines().Any(b => b.Kind == ShellLineKind.Server) && l.Words[0].EndsWith(".sh", StringComparison.Ordinal) == scripts);

    [Theory]
    [MemberData(nameof(Lines), false)]
    public async Task BenchLine_RunsAtSmallSize(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        (string File, List<string> Args, string Expect) run = words[0] switch
        {
            "python3" => ("python3", [.. Small(words[1..], ("--streams", 4), ("--output", 4), ("--repeats", 1)), "--prompt", "16"], @"(?m)^emulate vs simulate \(median of 1\): TTFT"),
            "dotnet" => ("dotnet", [words[1].Replace("/Release/", $"/{DocumentedServerLineTests.Configuration}/"), .. SmallRequests(words[2..]), "--replicas", "2"], @"(?m)^ +\d+ requests a replica: "),
            _ => throw new InvalidOperationException($"{line}: a benchmark this test does not know how to run small; add it here"),
        };
        var (code, output) = await LoggedProcess.RunAsync(run.File, run.Args, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"{line}\nran: {run.File} {string.Join(' ', run.Args)}\nexit {code}:\n{output}");
        Assert.Matches(run.Expect, output);
    }

    /// <summary>
    /// The bench/*.sh lines, checked, not run: each starts a redis-server and two or three server processes, and the
    /// failure-detection script then waits out Orleans' probes (14 s a repeat with the defaults on an idle machine),
    /// so one run takes minutes on a loaded CI machine. The processes they start are run by
    /// <see cref="DocumentedServerLineTests"/> (operations.md's cluster of two silos and a front end on Redis) and
    /// ClusterFailoverTests. Checked: the script is there and executable, its first argument is the count its usage
    /// line asks for, every other flag is one the command it passes them to lists in its <c>--help</c>, the builds it
    /// runs (Release, as CI builds) exist, and the tools it calls are installed.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lines), true)]
    public async Task ScriptLine_PassesFlagsItsCommandTakes(string id)
    {
        var line = DocumentedShellLine.Find(id);
        var words = line.Words;
        string root = TestData.RepoRoot, script = Path.Combine(root, words[0]);
        Assert.True(File.Exists(script), $"{line}: {words[0]} is gone");
        Assert.True(OperatingSystem.IsWindows() || (File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, $"{line}: {words[0]} is not executable");
        string text = File.ReadAllText(script);
        var usage = Regex.Match(text, $@"(?m)^# usage: {Regex.Escape(words[0])} \[?([A-Z]+)\]? \[([a-z/ -]+) flags\.\.\.\]");
        Assert.True(usage.Success, $"{line}: {words[0]} has no usage line of the form '# usage: {words[0]} COUNT [... flags...]'");
        Assert.True(int.TryParse(words[1], out int count) && count >= 0, $"{line}: {usage.Groups[1].Value} must be a count (got {words[1]})");
        var (helpOf, dll) = usage.Groups[2].Value switch
        {
            "server" => ("TokenSim.Server", "src/TokenSim.Server/bin/Release/net10.0/TokenSim.Server.dll"),
            "bench/ingest" => ("TokenSim.Bench.Ingest", "bench/ingest/bin/Release/net10.0/TokenSim.Bench.Ingest.dll"),
            var other => throw new InvalidOperationException($"{line}: flags for '{other}', which this test does not know"),
        };
        Assert.Contains(dll, text);
        Assert.True(File.Exists(Path.Combine(root, dll)), $"{line}: {dll}, which the script runs, is not built (dotnet build -c Release)");
        var (code, help) = await LoggedProcess.RunAsync("dotnet", [dll, "--help"], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"{helpOf} --help exited {code}:\n{help}");
        var flags = Regex.Matches(help, @"--[a-z][a-z-]+").Select(m => m.Value).ToHashSet();
        foreach (var flag in words[2..].Where(w => w.StartsWith("--", StringComparison.Ordinal)))
            Assert.True(flags.Contains(flag), $"{line}: {flag} is not a flag of {helpOf} (its --help lists {string.Join(", ", flags.Order())})");
        foreach (var tool in Regex.Matches(text, @"\b(redis-server|redis-cli|bc|curl)\b").Select(m => m.Value).Distinct())
            Assert.True(OpsTool.Find(tool) is not null, $"{line}: {OpsTool.Missing(tool, $"the script calls {tool}")}");
    }

    /// <summary>Each named flag's value capped; flags not given are left to the script's defaults.</summary>
    private static IEnumerable<string> Small(string[] args, params (string Flag, int Max)[] caps)
    {
        for (int i = 0; i < args.Length; i++)
        {
            yield return args[i];
            if (caps.FirstOrDefault(c => c.Flag == args[i]) is { Flag: not null } cap && i + 1 < args.Length)
                yield return Math.Min(cap.Max, int.Parse(args[++i])).ToString();
        }
    }

    /// <summary><c>--requests 100,1000,3000</c> a hundredth as large (1,10,30): each size a deployment of its own, so they stay distinct.</summary>
    private static IEnumerable<string> SmallRequests(string[] args) =>
        args.Select((a, i) => i > 0 && args[i - 1] == "--requests" ? Regex.Replace(a, @"\d+", m => Math.Max(1, int.Parse(m.Value) / 100).ToString()) : a);
}
