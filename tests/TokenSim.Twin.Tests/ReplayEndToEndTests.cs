using System.Diagnostics;
using System.Text.Json;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <c>tokensim replay</c> of the measured RTX PRO 6000 run against a running server at 20x, as the scorecard runs it:
/// the twin's mean TTFT and TPOT predictions (frozen at arrival) within 5% of the observed.
/// </summary>
public sealed class ReplayEndToEndTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    [Fact]
    public async Task Replay_MeasuredRunAt20x_MeanTtftAndTpotWithinFivePercent()
    {
        var (_, json) = await ReplayRun.MeasuredRunAsync(server, "e2e");
        using var doc = json;
        var root = doc.RootElement;
        Assert.Equal(300, root.GetProperty("requests").GetInt32());
        Assert.Equal(300, root.GetProperty("predicted").GetInt32());
        Assert.Contains("RTXPRO6000", root.GetProperty("perf_model").GetString());
        double Err(string m, string s = "mean") => root.GetProperty(m).GetProperty("error_pct").GetProperty(s).GetDouble();
        Assert.InRange(Err("ttft_s"), -5, 5);
        Assert.InRange(Err("tpot_s"), -5, 5);
        Assert.InRange(root.GetProperty("ttft_s").GetProperty("per_request_abs_error_pct").GetProperty("p50").GetDouble(), 0, 10);
        var running = root.GetProperty("series").GetProperty("running");
        Assert.InRange(running.GetProperty("simulated_mean").GetDouble() - running.GetProperty("measured_mean").GetDouble(), -5, 5);
        // The run's KV% is 0 throughout, i.e. not recorded: reported as such, never as 0, beside the simulated series.
        var kv = root.GetProperty("series").GetProperty("kv_cache_pct");
        Assert.Equal(JsonValueKind.Null, kv.GetProperty("measured_mean").ValueKind);
        Assert.Equal("not recorded", kv.GetProperty("measured").GetString());
        Assert.InRange(kv.GetProperty("simulated_mean").GetDouble(), 1, 100);
    }
}

/// <summary>Bad replay input fails with one line naming the problem, before anything is sent.</summary>
public sealed class ReplayCommandErrorTests
{
    private static async Task<(int Code, string Stderr)> Replay(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ServerProcess.BuiltDll("TokenSim.Cli"));
        psi.ArgumentList.Add("replay");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, (await stderr).Trim());
    }

    [Fact]
    public async Task Workload_WithoutRate_IsRefused()
    {
        var (code, err) = await Replay("--server", "http://127.0.0.1:1", "--workload", Path.Combine(TestData.RepoRoot, "data", "traces", "azure2023", "AzureLLMInferenceTrace_conv.csv"));
        Assert.Equal(1, code);
        Assert.Equal("error: --workload needs --rate, a positive number of requests per second (got none).", err);
    }

    [Fact]
    public async Task RunAndWorkload_Together_AreRefused()
    {
        var (code, err) = await Replay("--server", "http://127.0.0.1:1", "--run", TestData.RunDir, "--workload", "x.csv", "--rate", "1");
        Assert.Equal(1, code);
        Assert.Equal("error: give exactly one of --run (a measured vLLM run) and --workload (a trace, with --rate).", err);
    }

    [Fact]
    public async Task Speed_Zero_IsRefused()
    {
        var (code, err) = await Replay("--server", "http://127.0.0.1:1", "--run", TestData.RunDir, "--speed", "0");
        Assert.Equal(1, code);
        Assert.Equal("error: --speed must be a positive number (got 0).", err);
    }

    [Fact]
    public async Task Server_NotAnAddress_IsRefused()
    {
        var (code, err) = await Replay("--server", "127.0.0.1:7100", "--run", TestData.RunDir);
        Assert.Equal(1, code);
        Assert.Equal("error: --server must be an http:// or https:// address (got '127.0.0.1:7100').", err);
    }

    [Fact]
    public async Task Server_NotListening_IsUnavailable()
    {
        var (code, err) = await Replay("--server", $"http://127.0.0.1:{ServerProcess.FreePort()}", "--run", TestData.RunDir);
        Assert.Equal(1, code);
        Assert.StartsWith("error: the twin server answered Unavailable:", err);
    }
}
