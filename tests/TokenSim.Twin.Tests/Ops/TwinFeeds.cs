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

    /// <summary>A one-replica Llama-3.1-8B deployment on an A100 with the roofline and the given KV cache and context.</summary>
    private static async Task RegisterAsync(ServerProcess server, string deployment, int kvBlocks, int maxModelLen, CancellationToken stop) =>
        await new Deployments.DeploymentsClient(server.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec
            {
                Name = deployment, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 1, PerfModel = "roofline",
                Engine = new EngineSettings { KvBlocks = kvBlocks, MaxModelLen = maxModelLen },
            },
        }, cancellationToken: stop);

    /// <summary>Waits <paramref name="delay"/>; false once the feed is cancelled.</summary>
    private static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
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
        await RegisterAsync(server, deployment, kvBlocks: 2000, maxModelLen: 4096, stop);
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
            if (!await PauseAsync(TimeSpan.FromSeconds(5), stop)) return;
        }
    }

    /// <summary>
    /// A replica with a KV cache of 64 blocks (1,024 tokens) given a 100-token prompt with 800 tokens to generate
    /// every second: each is admitted with 7 blocks and grows to 57, so the running requests soon need more blocks
    /// than there are and the scheduler preempts; the server's refreshed forecasts have the cache exhausted (the
    /// forecast dashboard's time to exhaustion and the TokenSimKvExhaustionForecast alert's operand have real series).
    /// </summary>
    public static async Task KvPressureAsync(ServerProcess server, CancellationToken stop)
    {
        const string deployment = "ops-kv-pressure";
        await RegisterAsync(server, deployment, kvBlocks: 64, maxModelLen: 1000, stop);
        var ingest = new Ingest.IngestClient(server.Channel);
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            var arrived = new Event { EventId = $"kv{i}", Deployment = deployment, Replica = 0, ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
            arrived.RequestArrived = new RequestArrived { RequestId = $"kv{i}", PromptTokens = 100, MaxTokens = 800 };
            var answer = await ingest.IngestBatchAsync(new IngestBatchRequest { Events = { arrived } });
            Assert.Equal(Outcome.Applied, answer.Outcomes.Single().Outcome);
            if (!await PauseAsync(TimeSpan.FromSeconds(1), stop)) return;
        }
    }

    /// <summary>
    /// <c>tokensim emulate --replicas 2</c> on the ports <see cref="OpsServerProcess"/>' sources file names, exporting
    /// its request spans to the twin's OTLP/gRPC port and publishing KV events, under a steady load of requests sharing
    /// a prefix (so blocks are stored and evicted) from two clients per replica, until cancelled.
    /// </summary>
    public static async Task EmulateAsync(ServerProcess server, CancellationToken stop)
    {
        string kv = $"{{\"enable_kv_cache_events\":true,\"publisher\":\"zmq\",\"endpoint\":\"tcp://*:{OpsServerProcess.KvPort}\",\"replay_endpoint\":\"tcp://*:{OpsServerProcess.KvPort + 2}\",\"topic\":\"kv-events\"}}";
        await using var emulator = await EmulatorProcess.StartOnAsync(OpsServerProcess.EmulatorPort, 2,
            "--otlp-traces-endpoint", $"grpc://127.0.0.1:{server.GrpcPort}", "--kv-events-config", kv);
        using var http = new HttpClient();
        async Task Client(int replica, int client)
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                // A 512-token prefix shared by every request, then 64 tokens of its own.
                var prompt = string.Join(", ", Enumerable.Range(1, 512).Concat(Enumerable.Range(1000 + 64 * (i * 4 + client), 64)));
                using var body = new StringContent($"{{\"prompt\": [{prompt}], \"max_tokens\": 48, \"ignore_eos\": true}}", System.Text.Encoding.UTF8, "application/json");
                try
                {
                    using var answer = await http.PostAsync($"http://127.0.0.1:{OpsServerProcess.EmulatorPort + replica}/v1/completions", body, stop);
                    Assert.True(answer.IsSuccessStatusCode, $"emulate replica {replica}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(CancellationToken.None)}\n{emulator.Log}");
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        await Task.WhenAll(Client(0, 0), Client(0, 1), Client(1, 0), Client(1, 1));
    }

    /// <summary>
    /// Every 30 s a small capacity plan through the server (Llama-3.1-8B at 2 requests/s of 256 prompt and 64 output
    /// tokens for 20 s, on an A100-80GB, TP 1, 1 or 2 replicas): one replica is plenty, so the answer is 1 replica at
    /// the one GPU's price, which the capacity dashboard's gauges then show.
    /// </summary>
    public static async Task PlanAsync(ServerProcess server, CancellationToken stop)
    {
        var planning = new TokenSim.Contracts.V1.Planning.PlanningClient(server.Channel);
        while (!stop.IsCancellationRequested)
        {
            var request = new TokenSim.Contracts.V1.PlanRequest
            {
                Base = { ["model"] = "llama-3.1-8b", ["max-model-len"] = "4096", ["perf-model"] = "roofline", ["seed"] = "1" },
                Traffic = new TokenSim.Contracts.V1.Traffic { Rate = new TokenSim.Contracts.V1.RateTraffic { Rate = 2, DurationS = 20, Lengths = "input=256,output=64" } },
                Slo = new TokenSim.Contracts.V1.Slo { Percentile = 0.9, TtftS = 2, TpotS = 0.2 },
                Candidates = new TokenSim.Contracts.V1.CandidateSpace { Hardware = { "a100-80g" }, TensorParallel = { 1 }, Scheduler = { "vllm-v1" }, MinReplicas = 1, MaxReplicas = 2, CostPerGpuHour = { ["a100-80g"] = 1.8 } },
            };
            TokenSim.Contracts.V1.PlanResult? result = null;
            try
            {
                using var call = planning.Plan(request, cancellationToken: stop);
                while (await call.ResponseStream.MoveNext(stop))
                    if (call.ResponseStream.Current.Result is { } r) result = r;
                Assert.NotNull(result);
                Assert.True(result.Found, result.ToString());
                Assert.Equal(("a100-80g", 1, 1), (result.Best.Hardware, result.Best.TensorParallel, result.Best.Replicas));
                Assert.Equal(1.8, result.Best.CostPerHour, 9);
                Assert.Contains("tokensim_plan_last_cost_per_hour{answer=\"best\",hardware=\"a100-80g\",tensor_parallel=\"1\",scheduler=\"vllm-v1\"} 1.8\n", await server.MetricsTextAsync());
                await Task.Delay(TimeSpan.FromSeconds(30), stop);
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
            {
                return;
            }
        }
    }
}
