using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TokenSim.Contracts.V1;
using Xunit.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Two silo processes and a client-only front end on one Redis (membership and grain storage), as
/// docs/operations.md runs them. Ingest goes through the front end while one silo is killed mid-stream.
/// </summary>
/// <remarks>
/// "No acknowledged event is lost" is checked as: (1) every batch is eventually acknowledged, with every event
/// APPLIED, or, only for a batch whose earlier attempt failed, DUPLICATE (a retry of an event the failed attempt
/// had applied); nothing is LATE or INVALID; (2) after the stream, sending every batch again gets DUPLICATE for every
/// event, in particular for each event acknowledged APPLIED before the kill (the replica grains that moved read their
/// seen event ids back from Redis); (3) the deployments' accuracy reports hold exactly the requests sent, each with
/// the observed end-to-end time it was sent with, whichever silo recorded it.
/// Requests are in flight across batches, so a replica grain that moved must carry on from its persisted log (its
/// simulation included): the finish of a request that arrived on the killed silo is applied on the survivor.
/// </remarks>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);
    private static readonly string[] Names = ["east", "west"];
    private const int Replicas = 4, Batches = 40, KillAfter = 12, EventsPerRequest = 5;
    private const double Ttft = 0.3, E2e = 0.45;

    private static Event New(string deployment, int batch, int replica, string kind, double t) => new()
    {
        EventId = $"{deployment}/{batch}/{replica}/{kind}", Deployment = deployment, Replica = replica,
        ProducedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(t)),
    };

    /// <summary>
    /// Batch k of a deployment, on each replica: request k's arrival, scheduling and an engine snapshot, and request
    /// k−1's first token and finish, so every request is in flight across two batches (and across the kill). Batch
    /// <see cref="Batches"/> only finishes the last request.
    /// </summary>
    private static IngestBatchRequest Batch(string d, int k)
    {
        var batch = new IngestBatchRequest();
        double t = 0.5 * k;
        for (int r = 0; r < Replicas; r++)
        {
            if (k >= 1)
            {
                string prev = $"{d}-{k - 1}-{r}";
                var f = New(d, k - 1, r, "first", t - 0.5 + Ttft);
                f.FirstToken = new FirstToken { RequestId = prev };
                var done = New(d, k - 1, r, "finished", t - 0.5 + E2e);
                done.RequestFinished = new RequestFinished { RequestId = prev, OutputTokens = 8 };
                batch.Events.Add(new[] { f, done });
            }
            if (k < Batches)
            {
                string id = $"{d}-{k}-{r}";
                var a = New(d, k, r, "arrived", t);
                a.RequestArrived = new RequestArrived { RequestId = id, PromptTokens = 200, MaxTokens = 16 };
                var s = New(d, k, r, "scheduled", t + 0.002);
                s.RequestScheduled = new RequestScheduled { RequestId = id };
                var snap = New(d, k, r, "snapshot", t + 0.002);
                snap.EngineSnapshot = new EngineSnapshot { Running = 1, Waiting = 0 };
                batch.Events.Add(new[] { a, s, snap });
            }
        }
        return batch;
    }

    private sealed record Acked(int Batch, int Attempts, TimeSpan At, IngestAck Ack);

    [SkippableFact]
    public async Task TwoSilos_OneKilledMidStream_LoseNoAcknowledgedEvent()
    {
        Skip.If(RedisServer.Executable is null, RedisServer.Missing);
        using var redis = await RedisServer.StartAsync();
        // Fast failure detection: probes every second, a silo declared dead after 2 missed; a call lost with the
        // killed silo fails after 10 s instead of 30 (docs/operations.md).
        string[] cluster = ["--cluster-redis", redis.Connection, "--probe-timeout", "1", "--missed-probes", "2", "--response-timeout", "10"];
        var silos = new[]
        {
            new FlaggedServerProcess(["--role", "silo", .. cluster, "--redis", redis.Connection]),
            new FlaggedServerProcess(["--role", "silo", .. cluster, "--redis", redis.Connection]),
        };
        var front = new FlaggedServerProcess(["--role", "frontend", .. cluster]);
        ClusterPlacement? placement = null;
        try
        {
            await Task.WhenAll(silos.Select(s => s.InitializeAsync()));
            await front.InitializeAsync();
            placement = await ClusterPlacement.ConnectAsync(redis.Connection);
            var deployments = new Deployments.DeploymentsClient(front.Channel);
            foreach (var name in Names)
                await deployments.RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec(name) });

            var ingest = new Ingest.IngestClient(front.Channel);
            var clock = Stopwatch.StartNew();
            var acks = Names.ToDictionary(n => n, _ => new List<Acked>());
            var reached = Names.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var lanes = Names.Select(name => Task.Run(async () =>
            {
                for (int k = 0; k <= Batches; k++)
                {
                    var (ack, attempts) = await SendWithRetriesAsync(ingest, Batch(name, k), clock);
                    lock (acks) acks[name].Add(new Acked(k, attempts, clock.Elapsed, ack));
                    if (k + 1 == KillAfter) reached[name].SetResult();
                }
            })).ToArray();

            await Task.WhenAll(reached.Values.Select(r => r.Task));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: {KillAfter} batches of each deployment acknowledged");
            var before = await placement.ReplicaGrainsAsync();
            var hosts = before.Values.Distinct().ToArray();
            Assert.True(hosts.Length == 2, $"replica grains on one silo only: {string.Join(", ", before)}");
            var victim = silos[0];
            var survivor = silos[1];
            var moved = before.Where(g => g.Value == victim.SiloPort).Select(g => g.Key).ToHashSet();
            TimeSpan killedAt;
            lock (acks) killedAt = clock.Elapsed;
            await victim.DisposeAsync();   // killed: no grain deactivates, nothing more is written
            await Task.WhenAll(lanes);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: silo on port {victim.SiloPort} killed at {killedAt.TotalSeconds:F2} s; every batch acknowledged");

            // (1) Every batch acknowledged; DUPLICATE only as a retry of a failed attempt; nothing late or invalid.
            var all = acks.SelectMany(kv => kv.Value.Select(a => (Name: kv.Key, a))).ToList();
            Assert.Equal(Names.Length * (Batches + 1), all.Count);
            foreach (var (name, a) in all)
            {
                Assert.Equal(0, a.Ack.Late + a.Ack.Invalid);
                int sent = Batch(name, a.Batch).Events.Count;
                if (a.Attempts == 1) Assert.True(a.Ack.Applied == sent, $"{name} batch {a.Batch}: {a.Ack}");
                else Assert.Equal(sent, a.Ack.Applied + a.Ack.Duplicate);
            }
            var ackedBeforeKill = all.Where(x => x.a.At < killedAt).SelectMany(x => x.a.Ack.Outcomes)
                .Where(o => o.Outcome == Outcome.Applied).Select(o => o.EventId).ToHashSet();
            int retried = all.Count(x => x.a.Attempts > 1);
            var recovered = all.Where(x => x.a.Attempts > 1).Select(x => x.a.At).DefaultIfEmpty(killedAt).Max();
            int retriedDuplicates = all.Where(x => x.a.Attempts > 1).Sum(x => x.a.Ack.Duplicate);

            // The survivor took the victim's grains over: every replica grain is active there now.
            var after = await placement.ReplicaGrainsAsync();
            Assert.NotEmpty(moved);
            Assert.All(moved, g => Assert.Equal(survivor.SiloPort, after.GetValueOrDefault(g)));
            Assert.All(after.Values, port => Assert.Equal(survivor.SiloPort, port));

            // (2) Everything sent is known: a second sending of every batch is DUPLICATE throughout.
            var duplicates = new HashSet<string>();
            foreach (var name in Names)
                for (int k = 0; k <= Batches; k++)
                {
                    var (again, _) = await SendWithRetriesAsync(ingest, Batch(name, k), clock);
                    foreach (var o in again.Outcomes.Where(o => o.Outcome == Outcome.Duplicate)) duplicates.Add(o.EventId);
                }
            Assert.Equal(Names.Length * Batches * Replicas * EventsPerRequest, duplicates.Count);
            Assert.NotEmpty(ackedBeforeKill);
            Assert.Empty(ackedBeforeKill.Except(duplicates));

            // (3) Every request's record, observed as sent, whichever silo held it.
            foreach (var name in Names)
            {
                var report = await deployments.GetAccuracyAsync(new GetAccuracyRequest { Deployment = name });
                var expected = Enumerable.Range(0, Batches).SelectMany(k => Enumerable.Range(0, Replicas).Select(r => $"{name}-{k}-{r}")).Order();
                Assert.Equal(expected, report.Requests.Select(q => q.RequestId).Order());
                Assert.All(report.Requests, q => Assert.Equal(E2e, q.ObservedE2ES, 6));
            }
            output.WriteLine($"replica grains before the kill: {string.Join(", ", before.OrderBy(g => g.Key).Select(g => $"{g.Key}@{g.Value}"))}; victim silo port {victim.SiloPort}, {moved.Count} grains moved");
            output.WriteLine($"{ackedBeforeKill.Count} events acknowledged APPLIED before the kill, all DUPLICATE when sent again; " +
                             $"{retried} batches needed retries ({retriedDuplicates} of their events came back DUPLICATE); " +
                             $"the last of them acknowledged {(recovered - killedAt).TotalSeconds:F2} s after the kill; whole stream {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            if (placement is not null) await placement.DisposeAsync();
            await front.DisposeAsync();
            foreach (var s in silos) await s.DisposeAsync();
        }
    }

    /// <summary>Sends a batch until it is acknowledged, retrying only UNAVAILABLE (what the server answers when the cluster failed the call).</summary>
    private async Task<(IngestAck Ack, int Attempts)> SendWithRetriesAsync(Ingest.IngestClient ingest, IngestBatchRequest batch, Stopwatch clock)
    {
        var giveUp = clock.Elapsed + TimeSpan.FromSeconds(120);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return (await ingest.IngestBatchAsync(batch, deadline: DateTime.UtcNow.AddSeconds(60)), attempt);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && clock.Elapsed < giveUp)
            {
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: attempt {attempt} UNAVAILABLE: {e.Status.Detail}");
                await Task.Delay(200);
            }
        }
    }

    private static DeploymentSpec Spec(string name) => new()
    {
        Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = Replicas, PerfModel = "roofline",
        Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
    };
}
