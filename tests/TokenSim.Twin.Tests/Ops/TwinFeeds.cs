using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// What feeds the twin while Prometheus scrapes it in <see cref="PrometheusQueriesTests"/>: each runs until
/// cancelled. Another source (e.g. <c>tokensim emulate</c> through the twin's native sources) is one more method here
/// and one more entry in the test's list.
/// </summary>
internal static class TwinFeeds
{
    /// <summary>
    /// <c>tokensim replay</c> of the measured run at real speed, again and again under a fresh deployment name each
    /// time (a run replayed into the same deployment would be all duplicates), until cancelled.
    /// </summary>
    public static async Task ReplayLoopAsync(ServerProcess server, CancellationToken stop)
    {
        for (int i = 1; !stop.IsCancellationRequested; i++)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { ServerProcess.BuiltDll("TokenSim.Cli"), "replay", "--server", $"http://127.0.0.1:{server.GrpcPort}", "--run", TestData.RunDir, "--speed", "1", "--deployment", $"ops-replay-{i}" })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
            var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await p.WaitForExitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
                return;
            }
            if (p.ExitCode != 0) throw new InvalidOperationException($"replay {i} exited {p.ExitCode}: {await stderr}\n{await stdout}");
        }
    }

    /// <summary>
    /// Every 5 s a batch such as a faulty producer sends: an arrival, an event too far behind its replica's clock
    /// (late) and a first token for a request never seen (invalid), so the dashboards' and alerts' loss queries have
    /// real series.
    /// </summary>
    public static async Task LostEventsAsync(ServerProcess server, CancellationToken stop)
    {
        const string deployment = "ops-lossy";
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec
            {
                Name = deployment, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, PerfModel = "roofline",
                Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
            },
        }, cancellationToken: stop);
        var ingest = new Ingest.IngestClient(server.Channel);
        var t0 = DateTimeOffset.UtcNow;
        Event At(string id, double t) => new() { EventId = id, Deployment = deployment, Replica = 0, ProducedAt = Timestamp.FromDateTimeOffset(t0.AddSeconds(t)) };
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            double now = 10 * i + 10;
            var arrived = At($"a{i}", now);
            arrived.RequestArrived = new RequestArrived { RequestId = $"r{i}", PromptTokens = 64, MaxTokens = 8 };
            var late = At($"late{i}", now - 5);
            late.RequestArrived = new RequestArrived { RequestId = $"old{i}", PromptTokens = 64, MaxTokens = 8 };
            var unknown = At($"ghost{i}", now);
            unknown.FirstToken = new FirstToken { RequestId = $"ghost{i}" };
            // The late event in a batch after the arrival: within one batch events are applied in time order.
            var first = await ingest.IngestBatchAsync(new IngestBatchRequest { Events = { arrived } });
            var second = await ingest.IngestBatchAsync(new IngestBatchRequest { Events = { late, unknown } });
            Assert.Equal([Outcome.Applied, Outcome.Late, Outcome.Invalid], first.Outcomes.Concat(second.Outcomes).Select(o => o.Outcome));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
