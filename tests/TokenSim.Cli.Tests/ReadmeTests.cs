using System.Globalization;
using System.Text.RegularExpressions;
using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Cli.Tests;

/// <summary>What the README states that the tree can check: its layout table, its scheduler list, its forecast figures.</summary>
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(CliProcess.RepoFile("README.md"));

    [Fact]
    public void LayoutTable_NamesEverySourceProject()
    {
        foreach (var dir in Directory.GetDirectories(CliProcess.RepoFile("src")))
            Assert.Contains($"| `src/{Path.GetFileName(dir)}` |", Readme);
    }

    [Fact]
    public void PluginNames_ListEveryRegisteredScheduler()
    {
        var line = Regex.Match(Readme, "^Plug-in names: schedulers (.*)$", RegexOptions.Multiline).Groups[1].Value;
        foreach (var name in ReplicaSchedulers.Registry.Names) Assert.Contains($"`{name}`", line);
    }

    [Fact]
    public void ForecastFigures_AreThoseOfDocsForecast()
    {
        // docs/forecast.md's replay table, the last with these first columns: | metric | horizon | points | MAE | naive MAE | (bias, coverage...)
        var table = new Dictionary<(string, int), (string Mae, string Naive)>();
        foreach (Match m in Regex.Matches(File.ReadAllText(CliProcess.RepoFile("docs", "forecast.md")), @"^\| (running|waiting) \| (\d+) s \| \d+ \| ([\d.]+) \| ([\d.]+) \|", RegexOptions.Multiline))
            table[(m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))] = (m.Groups[3].Value, m.Groups[4].Value);
        Assert.Equal(6, table.Count);
        var twin = string.Join(", ", new[] { 5, 10, 20 }.Select(h => $"{table[("running", h)].Mae} / {table[("waiting", h)].Mae} at {h} s"));
        var naive = string.Join(", ", new[] { 5, 10, 20 }.Select(h => $"{table[("running", h)].Naive} / {table[("waiting", h)].Naive}"));
        string readme = Regex.Replace(Readme, @"\s+", " ");
        Assert.Contains(Regex.Replace(twin, ", (?=[^,]*$)", " and "), readme);
        Assert.Contains(Regex.Replace(naive, ", (?=[^,]*$)", " and "), readme);
    }

    [Fact]
    public void EnginesClaimed_AreThoseModelled()
    {
        Assert.DoesNotContain("(vLLM, SGLang, TensorRT-LLM style)", Readme);
        Assert.Contains("SGLang and TensorRT-LLM are not modelled", Regex.Replace(Readme, @"\s+", " "));
    }
}
