using System.Text.Json;

namespace TokenSim.Cli.Tests;

public class ValidateOpsCommandTests
{
    [Fact]
    public void VidurMlp_PrintsLooAndRoofline_PerTable_AndWritesTheJsonContract()
    {
        var json = CliProcess.Temp("json");
        var (code, stdout, stderr) = CliProcess.Run("validate", "ops",
            "--profile", CliProcess.RepoFile("data", "profiles", "vidur", "profiling", "compute", "a100", "meta-llama", "Llama-2-7b-hf", "mlp.csv"),
            "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("LOO MAPE %", stdout);
        Assert.Contains("mlp.csv:attn_pre_proj", stdout);
        Assert.Contains("a100-80g", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var tables = doc.RootElement.GetProperty("tables").EnumerateArray().ToList();
        Assert.Equal(10, tables.Count);
        foreach (var t in tables)
        {
            foreach (var field in new[] { "file", "name" }) Assert.Equal(JsonValueKind.String, t.GetProperty(field).ValueKind);
            foreach (var field in new[] { "points", "interior", "loo_mape_pct", "loo_max_pct", "roofline_mape_pct" })
                Assert.Equal(JsonValueKind.Number, t.GetProperty(field).ValueKind);
            Assert.True(t.GetProperty("loo_mape_pct").GetDouble() < 3, t.GetProperty("name").GetString());
        }
        File.Delete(json);
    }

    [Fact]
    public void GpuModel_FittedOnA100_ScoresAnotherGpuBesideTheRoofline_InEveryTableAndFile()
    {
        var json = CliProcess.Temp("json");
        var (code, stdout, stderr) = CliProcess.Run("validate", "ops",
            "--profile", CliProcess.RepoFile("data", "profiles", "vidur", "profiling", "compute", "a40", "meta-llama", "Llama-2-7b-hf", "mlp.csv"),
            "--perf-model", "gpu", "--fit-on", "a100", "--json", json);
        Assert.True(code == 0, stderr);
        // The fit reads A100's tables from data/profiles even though the folder scored holds only A40's.
        Assert.Contains("GPU model fitted on a100-80g", stdout);
        Assert.Contains("gpu MAPE %", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        foreach (var list in new[] { "tables", "files" })
            foreach (var t in doc.RootElement.GetProperty(list).EnumerateArray())
            {
                Assert.Equal(JsonValueKind.Number, t.GetProperty("roofline_mape_pct").ValueKind);
                Assert.Equal(JsonValueKind.Number, t.GetProperty("gpu_mape_pct").ValueKind);
                Assert.False(t.TryGetProperty("gpu_note", out _)); // A40 was left out of the fit
            }
        File.Delete(json);
    }

    [Fact]
    public void GpuNotInCatalog_SaysSoInTheRooflineColumn()
    {
        var (code, stdout, stderr) = CliProcess.Run("validate", "ops",
            "--profile", CliProcess.RepoFile("data", "profiles", "vidur", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv"));
        Assert.True(code == 0, stderr);
        Assert.Contains("n/a: GPU 'a30' is not in the catalog", stdout);
    }

    [Fact]
    public void MissingProfile_IsOneClearLine()
    {
        var (code, _, stderr) = CliProcess.Run("validate", "ops", "--profile", "/nonexistent/profile");
        Assert.Equal(1, code);
        Assert.StartsWith("error: --profile: '/nonexistent/profile' does not exist", stderr.Trim());
    }
}
