using System.Diagnostics;
using System.Text.Json;

namespace TokenSim.Twin.Tests;

/// <summary><c>tokensim replay --json</c> of the measured RTX PRO 6000 run at 20x against <paramref name="server"/>, as the scorecard runs it.</summary>
internal static class ReplayRun
{
    /// <summary>Runs the replay under <paramref name="deployment"/>; fails on a non-zero exit; returns its stdout and its JSON.</summary>
    public static async Task<(string Stdout, JsonDocument Json)> MeasuredRunAsync(ServerProcess server, string deployment)
    {
        var json = Path.Combine(Path.GetTempPath(), $"tokensim-replay-{Guid.NewGuid():N}.json");
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { ServerProcess.BuiltDll("TokenSim.Cli"), "replay", "--server", $"http://127.0.0.1:{server.GrpcPort}", "--run", TestData.RunDir, "--speed", "20", "--deployment", deployment, "--json", json })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"replay exited {p.ExitCode}: {await stderr}\n{await stdout}");
            return (await stdout, JsonDocument.Parse(await File.ReadAllTextAsync(json)));
        }
        finally
        {
            File.Delete(json);
        }
    }
}
