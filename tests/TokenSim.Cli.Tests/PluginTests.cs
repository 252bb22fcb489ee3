using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class PluginTests
{
    private static string ExampleDll()
    {
        var bin = new DirectoryInfo(CliProcess.RepoFile("examples", "ShortestPromptFirst", "bin"));
        return bin.GetFiles("ShortestPromptFirst.dll", SearchOption.AllDirectories).OrderByDescending(f => f.LastWriteTimeUtc).First().FullName;
    }

    [Fact]
    public void ExamplePlugin_AddsASchedulerByName_ThatChangesTheOrderOfAdmission()
    {
        // One slot, a burst of prompts: shortest-prompt-first admits short prompts first, so its median TTFT is lower than FCFS.
        double MedianTtft(params string[] extra)
        {
            var json = CliProcess.Temp("json");
            var (code, _, stderr) = CliProcess.Run([.. new[] { "simulate", "--workload", "burst:n=40,input=50..3000,output=2", "--max-num-seqs", "1", "--json", json }, .. extra]);
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            File.Delete(json);
            return doc.RootElement.GetProperty("ttft_s").GetProperty("p50").GetDouble();
        }
        double spf = MedianTtft("--plugin", ExampleDll(), "--scheduler", "shortest-prompt-first");
        double fcfs = MedianTtft("--scheduler", "vllm-v1");
        Assert.True(spf < 0.8 * fcfs, $"shortest-prompt-first {spf} vs fcfs {fcfs}");
    }

    [Fact]
    public void UnknownScheduler_WithoutThePlugin_ListsTheKnownOnes()
    {
        var (code, _, stderr) = CliProcess.Run("simulate", "--scheduler", "shortest-prompt-first");
        Assert.Equal(1, code);
        Assert.Contains("Unknown replica scheduler 'shortest-prompt-first'. Known: vllm-v1, vllm, vllm-v0, static, orca, sarathi, priority, sjf, srpt", stderr);
    }

    [Fact]
    public void NotAPlugin_IsAClearError()
    {
        var path = CliProcess.Temp("dll");
        File.WriteAllText(path, "not an assembly");
        var (code, _, stderr) = CliProcess.Run("simulate", "--plugin", path);
        Assert.Equal(1, code);
        Assert.Contains("is not a .NET assembly", stderr);
        File.Delete(path);
    }
}
