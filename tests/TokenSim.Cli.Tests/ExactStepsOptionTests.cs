using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class ExactStepsOptionTests
{
    [Fact]
    public void ExactSteps_GivesTheSameSummary_AsDecodeRuns()
    {
        var runs = CliProcess.Temp("json");
        var exact = CliProcess.Temp("json");
        string[] common = ["simulate", "--workload", "poisson:rate=6,n=300", "--replicas", "2"];
        var (code, _, stderr) = CliProcess.Run([.. common, "--json", runs]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliProcess.Run([.. common, "--exact-steps", "--json", exact]);
        Assert.True(code == 0, stderr);
        using var a = JsonDocument.Parse(File.ReadAllText(exact));
        using var b = JsonDocument.Parse(File.ReadAllText(runs));
        AssertSame(a.RootElement, b.RootElement, "");
        File.Delete(runs);
        File.Delete(exact);
    }

    /// <summary>Field for field, apart from the wall time; means may differ in the order their sums were added.</summary>
    private static void AssertSame(JsonElement exact, JsonElement runs, string path)
    {
        Assert.Equal(exact.ValueKind, runs.ValueKind);
        switch (exact.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(exact.EnumerateObject().Select(p => p.Name), runs.EnumerateObject().Select(p => p.Name));
                foreach (var p in exact.EnumerateObject())
                    if (p.Name != "wall_s") AssertSame(p.Value, runs.GetProperty(p.Name), $"{path}.{p.Name}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(exact.GetArrayLength(), runs.GetArrayLength());
                for (int i = 0; i < exact.GetArrayLength(); i++) AssertSame(exact[i], runs[i], $"{path}[{i}]");
                break;
            case JsonValueKind.Number:
                double x = exact.GetDouble(), y = runs.GetDouble();
                Assert.True(Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{path}: {y} is not {x}");
                break;
            default:
                Assert.Equal(exact.ToString(), runs.ToString());
                break;
        }
    }
}
