using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The example commands of README.md and docs/ stay true: each one parses against today's command tree, and each one
/// that runs offline runs here, at small sizes (request counts cut to 40, a plan's traffic to 10 s, every file it
/// writes in a scratch folder). Those that need a twin server are listed with the test that runs them end to end.
/// </summary>
public sealed class DocumentedCommandTests
{
    /// <summary>Commands that talk to a running twin server, and the test in TokenSim.Twin.Tests that runs each kind.</summary>
    private static readonly Dictionary<string, string> NeedAServer = new()
    {
        ["replay --server http://127.0.0.1:7100 --run data/runs/llmservingsim/RTXPRO6000/Llama-3.1-8B --speed 20"] = "ReplayEndToEndTests",
        ["replay --server http://127.0.0.1:7100 --run data/runs/llmservingsim/RTXPRO6000/Llama-3.1-8B --speed 20 --json replay.json"] = "ReplayForecastEndToEndTests",
        ["replay --server http://127.0.0.1:7100 --workload data/traces/azure2023/AzureLLMInferenceTrace_conv.csv --rate 8 --replicas 2 --requests 1000 --speed 20"] = "ReplayEndToEndTests",
        ["plan --server http://127.0.0.1:7100 --config examples/plan-llama8b.yaml --json plan.json"] = "PlanningServiceTests",
        ["forecast --server http://127.0.0.1:7100 --deployment llama --horizon 60 --step 5 --traffic 2 --replica-delta 1 --seeds 8 --json forecast.json"] = "ForecastServiceTests",
        ["forecast --server http://127.0.0.1:7100 --deployment llama --horizon 60 --step 5 --scenario examples/scenarios/lose-replica-1-now.yaml"] = "ForecastScenarioTests",
        ["forecast --server http://127.0.0.1:7100 --deployment llama --horizon 300 --step 30 --scenario examples/scenarios/autoscale-now.yaml"] = "ForecastScenarioTests",
    };

    public static TheoryData<string> Offline()
    {
        var data = new TheoryData<string>();
        foreach (var c in DocumentedCommand.All().Where(c => !c.Args.Contains("--server") && c.Args[0] != "emulate")) data.Add(c.ToString());
        return data;
    }

    public static TheoryData<string> Emulate()
    {
        var data = new TheoryData<string>();
        foreach (var c in DocumentedCommand.All().Where(c => c.Args[0] == "emulate")) data.Add(c.ToString());
        return data;
    }

    private static DocumentedCommand Find(string id) => DocumentedCommand.All().Single(c => c.ToString() == id);

    [Fact]
    public void TheDocsHoldTheCommandsTheyShould()
    {
        var all = DocumentedCommand.All();
        Assert.True(all.Count >= 20, $"found only {all.Count} documented commands: the extraction is broken");
        Assert.Contains(all, c => c.File == "README.md" && string.Join(' ', c.Args) == "simulate");
        Assert.Contains(all, c => c.File == "README.md" && c.Text.StartsWith("tokensim ", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryDocumentedCommand_ParsesAgainstTodaysCommandTree()
    {
        foreach (var c in DocumentedCommand.All())
        {
            var parse = CliApp.CreateRoot().Parse(c.Args);
            Assert.True(parse.Errors.Count == 0, $"{c}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void EveryServerCommand_IsRunEndToEndByANamedTest()
    {
        var documented = DocumentedCommand.All().Where(c => c.Args.Contains("--server")).Select(c => string.Join(' ', c.Args)).ToHashSet();
        foreach (var command in documented) Assert.True(NeedAServer.ContainsKey(command), $"documented but not covered: {command}");
        foreach (var command in NeedAServer.Keys) Assert.True(documented.Contains(command), $"covered but no longer documented: {command}");
        foreach (var test in NeedAServer.Values.Distinct())
            Assert.True(File.Exists(CliProcess.RepoFile("tests", "TokenSim.Twin.Tests", test + ".cs")), $"{test}.cs is gone");
    }

    [Theory]
    [MemberData(nameof(Offline))]
    public void OfflineCommand_Runs(string id)
    {
        var c = Find(id);
        Assert.True(c.Env.Count == 0, $"{c}: sets variables; pass them to the run here");
        var dir = Directory.CreateTempSubdirectory("tokensim-doc-").FullName;
        try
        {
            var args = Small(c.Args, dir);
            var (code, stdout, stderr) = CliProcess.RunIn(dir, args);
            // A plan whose cut traffic no candidate meets still answers (exit 2, the closest printed).
            Assert.True(code == 0 || (c.Args[0] == "plan" && code == 2), $"{c}\nran: {string.Join(' ', args)}\nexit {code}: {stderr}\n{stdout}");
            Assert.DoesNotContain("error:", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [MemberData(nameof(Emulate))]
    public async Task EmulateCommand_ServesAndStops(string id)
    {
        var c = Find(id);
        await using var emulator = await DocumentedEmulator.StartAsync(c);
        var (stopped, code, stdout, stderr) = await emulator.StopAsync();
        Assert.True(stopped, $"{c}: did not stop on SIGTERM");
        Assert.True(code == 0, $"{c}: exit {code}: {stderr}");
        Assert.Contains("emulating", stdout);
    }

    /// <summary>
    /// The command at test size: request counts at most 40, a measured day cut to its first hour at a tiny peak, a trace the docs assume (w1m.csv) generated small, a config
    /// copied beside its outputs with its traffic cut, repository paths made absolute, outputs in <paramref name="dir"/>.
    /// </summary>
    private static string[] Small(string[] args, string dir)
    {
        string root = CliProcess.RepoFile();
        var result = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = Regex.Replace(args[i], @"\bn=(\d+)", m => $"n={Math.Min(40, long.Parse(m.Groups[1].Value))}");
            a = Regex.Replace(a, @"(^|:)((?:data|examples)/)", m => m.Groups[1].Value + root + "/" + m.Groups[2].Value);
            // A measured day at test size: its first hour, a peak of 0.1 requests/s (a handful of requests).
            if (a.StartsWith("diurnal:", StringComparison.Ordinal))
                a = Regex.Replace(Regex.Replace(a, @",?hours=\d+", ""), @"\b(peak|scale)=[0-9.]+", "peak=0.1") + ",hours=1";
            if (a == "w1m.csv")
            {
                a = Path.Combine(dir, "w1m.csv");
                File.WriteAllLines(a, ["arrived_at,num_prefill_tokens,num_decode_tokens", .. Enumerable.Range(0, 40).Select(k => $"{k * 0.1:F1},{100 + k},{10 + k % 7}")]);
            }
            if (i > 0 && args[i - 1] == "--config") a = SmallConfig(a, dir);
            result.Add(a);
        }
        return [.. result];
    }

    private static string SmallConfig(string path, string dir)
    {
        string text = File.ReadAllText(path);
        text = Regex.Replace(text, @"\bn=(\d+)", m => $"n={Math.Min(40, long.Parse(m.Groups[1].Value))}");
        text = Regex.Replace(text, @"duration_s: *\d+", "duration_s: 10");
        // Repository paths inside the config (an autoscale scenario) are read from the repository, not the copy's folder.
        text = Regex.Replace(text, @"(?<=: *)((?:data|examples)/)", m => CliProcess.RepoFile() + "/" + m.Value);
        text = Regex.Replace(text, @"hardware: *\[([^,\]]+),[^\]]*\]", "hardware: [$1]");
        string copy = Path.Combine(dir, Path.GetFileName(path));
        File.WriteAllText(copy, text);
        return copy;
    }
}
