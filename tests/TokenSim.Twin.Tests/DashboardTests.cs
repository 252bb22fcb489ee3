using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The Orleans Dashboard with <c>--dashboard /dashboard</c>: its JSON API and the page as headless Chromium renders it
/// list the twin's grain types once they are active. Off by default: <see cref="DefaultServerTests"/>.
/// </summary>
public sealed class DashboardTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Missing = "chromium is not on PATH (apt-get install chromium): the dashboard test loads the page in it.";
    private static readonly string[] TwinGrains = ["TokenSim.Twin.Grains.DeploymentTwinGrain", "TokenSim.Twin.Grains.ReplicaTwinGrain"];

    private static string? Chromium => (System.Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "chromium")).FirstOrDefault(File.Exists);

    [SkippableFact]
    public async Task Dashboard_ListsTheTwinsGrainTypes()
    {
        Skip.If(Chromium is null, Missing);
        var server = new FlaggedServerProcess("--dashboard", "/dashboard");
        try
        {
            await server.InitializeAsync();
            await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
            {
                Spec = new DeploymentSpec { Name = "shown", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline" },
            });
            var arrived = new Event { EventId = "a", Deployment = "shown", Replica = 1, ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(1_780_000_000)) };
            arrived.RequestArrived = new RequestArrived { RequestId = "r1", PromptTokens = 100, MaxTokens = 10 };
            Assert.Equal(1, (await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest { Events = { arrived } })).Applied);

            string root = $"http://127.0.0.1:{server.MetricsPort}/dashboard";
            // The JSON API the page polls: active grains by type, refreshed every second.
            using var http = new HttpClient();
            string[] active = [];
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!TwinGrains.All(active.Contains) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                using var counters = JsonDocument.Parse(await http.GetStringAsync($"{root}/DashboardCounters"));
                active = counters.RootElement.GetProperty("simpleGrainStats").EnumerateArray().Select(s => s.GetProperty("grainType").GetString()!).ToArray();
            }
            Assert.Superset(TwinGrains.ToHashSet(), active.ToHashSet());

            // The page renders client-side: Chromium runs its scripts (virtual time lets its polling run) and dumps the DOM.
            // Its Grains page lists the active grains by type (the short name shown, the full name in its link).
            string dom = await DumpDomAsync($"{root}/#/grains");
            output.WriteLine($"DOM: {dom.Length} characters");
            Assert.Contains("Activations by Type", dom);
            foreach (var grain in TwinGrains)
            {
                Assert.Contains(grain, dom);
                Assert.Contains($">{grain[(grain.LastIndexOf('.') + 1)..]}<", dom);
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<string> DumpDomAsync(string url)
    {
        var psi = new ProcessStartInfo(Chromium!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string profile = Directory.CreateTempSubdirectory("tokensim-chromium-").FullName;
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={profile}",
                     "--virtual-time-budget=15000", "--dump-dom", url })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"chromium did not finish in 90 s: {await stderr}"); }
        finally { try { Directory.Delete(profile, recursive: true); } catch (IOException) { } }
        Assert.True(p.ExitCode == 0, $"chromium exited with {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}
