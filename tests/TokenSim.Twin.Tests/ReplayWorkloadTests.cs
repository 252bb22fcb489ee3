using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <c>tokensim replay --workload FILE --rate R</c>: a plain trace as a load test. Production is TokenSim simulating
/// the deployment with the twin's own perf model, so the twin's errors are its prediction method's alone.
/// </summary>
public sealed class ReplayWorkloadTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    [Fact]
    public async Task Trace_At8PerSecondOverTwoReplicas_EveryRequestPredicted_KvRecordedOnBothSides()
    {
        var dir = Directory.CreateTempSubdirectory("tokensim-workload-");
        try
        {
            // 120 rows in the Azure trace format: prompts 200..999, outputs 20..219 tokens; the timestamps are ignored.
            var csv = Path.Combine(dir.FullName, "load.csv");
            var lines = new List<string> { "TIMESTAMP,ContextTokens,GeneratedTokens" };
            for (int i = 0; i < 120; i++) lines.Add(string.Create(CultureInfo.InvariantCulture, $"2023-11-16 18:15:{i % 60:00}.0000000,{200 + i * 37 % 800},{20 + i * 53 % 200}"));
            await File.WriteAllLinesAsync(csv, lines);
            var json = Path.Combine(dir.FullName, "report.json");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { ServerProcess.BuiltDll("TokenSim.Cli"), "replay", "--server", $"http://127.0.0.1:{server.GrpcPort}", "--workload", csv, "--rate", "8",
                         "--replicas", "2", "--speed", "20", "--deployment", "load", "--json", json })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"replay exited {p.ExitCode}: {await stderr}\n{await stdout}");
            Assert.Contains("load test: 120 requests at 8 req/s over 2 replica(s)", await stderr);

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = doc.RootElement;
            Assert.Equal(120, root.GetProperty("requests").GetInt32());
            Assert.Equal(120, root.GetProperty("predicted").GetInt32());
            // Production's engine snapshots carry KV use: both series are reported.
            var kv = root.GetProperty("series").GetProperty("kv_cache_pct");
            double measuredKv = kv.GetProperty("measured_mean").GetDouble(), simulatedKv = kv.GetProperty("simulated_mean").GetDouble();
            Assert.InRange(measuredKv, 0.1, 100);
            Assert.InRange(simulatedKv - measuredKv, -0.25 * measuredKv, 0.25 * measuredKv);
            // The twin simulates what production ran: its predictions are near, within the method's own error.
            double Err(string m) => root.GetProperty(m).GetProperty("error_pct").GetProperty("mean").GetDouble();
            Assert.InRange(Err("tpot_s"), -10, 10);
            Assert.InRange(Err("e2e_s"), -10, 10);

            // Requests were dealt round-robin: 60 a replica, in order of the trace's rows.
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
            var accuracy = await new Deployments.DeploymentsClient(channel).GetAccuracyAsync(new GetAccuracyRequest { Deployment = "load" });
            Assert.Equal(60, accuracy.Requests.Count(r => r.Replica == 0));
            Assert.Equal(60, accuracy.Requests.Count(r => r.Replica == 1));
            var r7 = accuracy.Requests.Single(r => r.RequestId == "req-7");
            Assert.Equal((1, 200 + 7 * 37 % 800, 20 + 7 * 53 % 200), (r7.Replica, r7.PromptTokens, r7.ObservedOutputTokens));
            // Poisson arrivals at 8/s in row order: 119 exponential gaps of mean 1/8 s put the last arrival at
            // 119/8 = 14.9 s give or take sqrt(119)/8 = 1.4 s; within 3 sigma.
            var arrivals = accuracy.Requests.OrderBy(r => int.Parse(r.RequestId[4..], CultureInfo.InvariantCulture)).Select(r => r.ArrivalS).ToList();
            Assert.Equal(0, arrivals[0]);
            Assert.All(arrivals.Zip(arrivals.Skip(1)), pair => Assert.True(pair.Second > pair.First));
            Assert.InRange(arrivals[^1], 14.9 - 3 * 1.37, 14.9 + 3 * 1.37);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
