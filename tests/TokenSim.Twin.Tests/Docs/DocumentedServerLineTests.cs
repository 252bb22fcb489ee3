using System.Text.RegularExpressions;
using TokenSim.Cli.Tests;

namespace TokenSim.Twin.Tests.Docs;

/// <summary>
/// Each shell block of README.md and docs/ that starts TokenSim.Server, run: every server line of the block started
/// with exactly its arguments, in order (a line ending in <c>&amp;</c> stays up for the next), then the block's
/// benchmark lines against it at small sizes, then a check that the last server started serves
/// (<see cref="ServingCheck"/>). What differs from a reader's shell, and why:
/// <list type="bullet">
/// <item>ports: a port a line names is mapped to a free one (the same documented port to the same free one within
/// the block, so a front end still finds its silos), and ports a line leaves at their defaults are set through their
/// <c>TOKENSIM_*_PORT</c> variables, which a flag would override; tests run in parallel, beside other servers;</item>
/// <item>a Redis the block names (<c>--redis</c>, <c>--cluster-redis</c>) is a throwaway redis-server on a free port;</item>
/// <item><c>dotnet run --project src/TokenSim.Server -c Release -- ARGS</c> runs what it would run after its build,
/// <c>dotnet src/TokenSim.Server/bin/CONFIG/net10.0/TokenSim.Server.dll ARGS</c>: a build inside the test run would
/// rewrite the assemblies running tests load; CONFIG is this test run's (CI's is Release, as the docs write);</item>
/// <item>a benchmark gets <c>--server</c> (and the spans benchmark <c>--http</c>) naming the mapped ports, one repeat
/// of one second without warm-up, and <c>$!</c> is the process id of the block's last background line, as in bash.</item>
/// </list>
/// </summary>
public sealed class DocumentedServerLineTests
{
    private static readonly Regex Prefix = new(@"^dotnet (?:run --project src/TokenSim\.Server(?: -c Release)?(?: --)?|src/TokenSim\.Server/bin/Release/net10\.0/TokenSim\.Server\.dll)(?= |$)");
    private static readonly string[] PortFlags = ["--grpc-port", "--metrics-port", "--silo-port", "--gateway-port", "--proxy-port"];

    /// <summary>One case per block: its first server line.</summary>
    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (var first in DocumentedShellLine.All().Where(l => l.Kind == ShellLineKind.Server).GroupBy(l => l.Block).Select(g => g.First()))
            data.Add(first.ToString());
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Blocks))]
    public async Task ServerBlock_StartsAndServes(string id)
    {
        var block = DocumentedShellLine.Find(id).BlockLines().ToList();
        var servers = block.Where(l => l.Kind == ShellLineKind.Server).ToList();
        var ports = new Dictionary<int, int>();
        int Map(int documented) => ports.TryGetValue(documented, out int p) ? p : ports[documented] = ServerProcess.FreePort();
        var argLists = servers.Select(l => DocumentedCommand.Split(Prefix.Replace(Regex.Replace(l.Command, @"\s+", " "), ""))).ToList();
        RedisServer? redis = null;
        if (argLists.Any(a => a.Contains("--redis") || a.Contains("--cluster-redis")))
        {
            Skip.If(RedisServer.Executable is null, RedisServer.Missing);
            redis = await RedisServer.StartAsync();
        }
        var started = new List<(DocumentedShellLine Line, LoggedProcess Process, int Grpc, int Metrics)>();
        try
        {
            for (int s = 0; s < servers.Count; s++)
            {
                var args = argLists[s].ToArray();
                for (int i = 1; i < args.Length; i++)
                {
                    if (PortFlags.Contains(args[i - 1])) args[i] = Map(int.Parse(args[i])).ToString();
                    if (args[i - 1] is "--redis" or "--cluster-redis") args[i] = Regex.Replace(args[i], @":\d+$", $":{redis!.Port}");
                }
                var env = PortFlags.ToDictionary(f => "TOKENSIM_" + f[2..].Replace('-', '_').ToUpperInvariant(), _ => ServerProcess.FreePort().ToString());
                int grpc = int.Parse(Flag(args, "--grpc-port") ?? env["TOKENSIM_GRPC_PORT"]);
                int metrics = int.Parse(Flag(args, "--metrics-port") ?? env["TOKENSIM_METRICS_PORT"]);
                var process = LoggedProcess.Start("dotnet", [ServerProcess.BuiltDll("TokenSim.Server"), .. args], env);
                started.Add((servers[s], process, grpc, metrics));
                await WaitForMetricsAsync(servers[s], process, metrics);
            }
            var last = started[^1];
            foreach (var bench in block.Where(l => l.Kind == ShellLineKind.Bench))
                await RunBenchAsync(bench, last.Grpc, last.Metrics, started.Last(p => p.Line.Background).Process.Process.Id);
            await ServingCheck.AssertServesAsync(last.Process.Process, last.Grpc, last.Metrics, () => $"{last.Line}\n{last.Process.Log}", "docs");
        }
        finally
        {
            foreach (var (_, process, _, _) in Enumerable.Reverse(started)) await process.DisposeAsync();
            redis?.Dispose();
        }
    }

    private static string? Flag(string[] args, string flag) => Array.IndexOf(args, flag) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static async Task WaitForMetricsAsync(DocumentedShellLine line, LoggedProcess process, int metricsPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            Assert.False(process.Process.HasExited, $"{line}: the server exited with {(process.Process.HasExited ? process.Process.ExitCode : 0)}:\n{process.Log}");
            try
            {
                (await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics")).EnsureSuccessStatusCode();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static async Task RunBenchAsync(DocumentedShellLine line, int grpc, int metrics, int backgroundPid)
    {
        var words = line.Words;
        Assert.Equal("dotnet", words[0]);
        string dll = words[1].Replace("/Release/", $"/{Configuration}/");
        Assert.True(File.Exists(Path.Combine(TestData.RepoRoot, dll)), $"{line}: {dll} is not built (TokenSim.Twin.Tests builds the benchmarks it runs)");
        var args = words[2..].Select(w => w == "$!" ? backgroundPid.ToString() : w).ToList();
        args.AddRange(["--server", $"http://127.0.0.1:{grpc}"]);
        if (dll.Contains("Bench.Spans", StringComparison.Ordinal)) args.AddRange(["--http", $"http://127.0.0.1:{metrics}"]);
        args.AddRange(["--duration", "1", "--warmup", "0", "--repeats", "1", "--warmup-repeats", "0"]);
        var (code, output) = await LoggedProcess.RunAsync("dotnet", [dll, .. args], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"{line}\nran: dotnet {dll} {string.Join(' ', args)}\nexit {code}:\n{output}");
    }

    /// <summary>This test run's configuration, which the documented bin/Release paths are read in.</summary>
    internal static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
}
