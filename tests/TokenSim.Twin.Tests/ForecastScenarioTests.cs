using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>Forecasts with a scenario from live state: the reply holds the forecast with it and, same seeds, without it.</summary>
public sealed class ForecastScenarioTests(ForecastServerProcess server) : IClassFixture<ForecastServerProcess>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    /// <summary>Two replicas, each sent 5 requests/s for 12 s (200-token prompts, max_tokens 50).</summary>
    private async Task<Forecasting.ForecastingClient> DeploymentAsync(string name)
    {
        await server.RegisterTwoReplicasAsync(name);
        var events = new List<Event>();
        for (int replica = 0; replica < 2; replica++)
            for (int i = 0; i < 60; i++)
                events.Add(new Event
                {
                    EventId = $"{replica}/a{i}", Deployment = name, Replica = replica, ProducedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(i * 0.2)),
                    RequestArrived = new RequestArrived { RequestId = $"r{replica}-{i}", PromptTokens = 200, MaxTokens = 50 },
                });
        await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest { Events = { events.OrderBy(e => e.ProducedAt.ToDateTimeOffset()) } });
        return new Forecasting.ForecastingClient(server.Channel);
    }

    [Fact]
    public async Task Straggler_SlowsOnlyItsReplica_TheOtherForecastIsTheBaselineExactly()
    {
        var client = await DeploymentAsync("fs-straggler");
        var f = await client.ForecastAsync(new ForecastRequest
        {
            Deployment = "fs-straggler", HorizonS = 10, StepS = 1, Seeds = 3,
            Scenario = "events:\n  - {at: 0, event: straggler, replica: 0, factor: 4}\n",
        });
        var without = f.WithoutScenario;
        Assert.NotNull(without);
        Assert.Null(without.WithoutScenario);
        // Replica 1's forks never see the scenario, and the seeds are the same: the same numbers.
        Assert.Equal(without.Replicas[1].Steps, f.Replicas[1].Steps);
        // Replica 0's steps take 4× as long: its requests' TPOT is about 4× (a little more: slower steps batch more).
        double Tpot(ForecastReply r) => r.Replicas[0].Steps.Where(s => s.Tpot.HasP50S).Average(s => s.Tpot.P50S);
        Assert.InRange(Tpot(f) / Tpot(without), 3.5, 5);
        Assert.True(f.Replicas[0].Steps.Sum(s => s.Running.Expected) > without.Replicas[0].Steps.Sum(s => s.Running.Expected));
    }

    [Fact]
    public async Task ReplicaLostNow_TheSurvivorTakesItsTraffic()
    {
        var client = await DeploymentAsync("fs-lost");
        var f = await client.ForecastAsync(new ForecastRequest
        {
            Deployment = "fs-lost", HorizonS = 10, StepS = 1, Seeds = 3,
            Scenario = "events:\n  - {at: 0, event: replica-lost, replica: 1}\n",
        });
        Assert.All(f.Replicas[1].Steps, s => Assert.Equal(0, s.Running.Expected + s.Waiting.Expected));
        Assert.Contains(f.WithoutScenario.Replicas[1].Steps, s => s.Running.Expected > 0);
        // Twice the arrivals on replica 0: more running there at every step after the first few.
        double With = f.Replicas[0].Steps.Sum(s => s.Running.Expected), Without = f.WithoutScenario.Replicas[0].Steps.Sum(s => s.Running.Expected);
        Assert.InRange(With / Without, 1.5, 2.6);
    }

    [Fact]
    public async Task ReplicaLostNow_ItsRequestsReEnterTheSurvivorsQueue_RequestsFailDropsThem()
    {
        // No new arrivals and a first step of 1 ms: what replica 1 holds now moves to replica 0's queue at once, so
        // replica 0 then holds its own and replica 1's (the same seeds draw the same output lengths with and without the
        // scenario); only a request replica 1 would have finished within that millisecond without the loss differs.
        var client = await DeploymentAsync("fs-reroute");
        var request = new ForecastRequest { Deployment = "fs-reroute", HorizonS = 0.002, StepS = 0.001, Seeds = 3, TrafficMultiplier = 0 };
        double Held(ForecastReply r, int replica) => r.Replicas[replica].Steps[0].Running.Expected + r.Replicas[replica].Steps[0].Waiting.Expected;
        var lose = request.Clone();
        lose.Scenario = "events:\n  - {at: 0, event: replica-lost, replica: 1}\n";
        var moved = await client.ForecastAsync(lose);
        var without = moved.WithoutScenario;
        Assert.True(Held(without, 1) >= 2, $"replica 1 holds {Held(without, 1)} requests now; the test needs some");
        Assert.Equal(0, Held(moved, 1));
        Assert.InRange(Held(moved, 0) - (Held(without, 0) + Held(without, 1)), 0, 1);
        // Its running ones prefill again there: more wait than without the loss.
        Assert.True(moved.Replicas[0].Steps[0].Waiting.Expected >= without.Replicas[0].Steps[0].Waiting.Expected + without.Replicas[1].Steps[0].Running.Expected - 1);
        var fail = request.Clone();
        fail.Scenario = "events:\n  - {at: 0, event: replica-lost, replica: 1, requests: fail}\n";
        var failed = await client.ForecastAsync(fail);
        Assert.Equal(Held(failed.WithoutScenario, 0), Held(failed, 0));
    }

    [Fact]
    public async Task Autoscale_FromLiveState_AddsReplicasAtThePolicysTimes_AndPaysForThem()
    {
        // A policy that finds the metric above `up` at every look (KV use above 10⁻⁶: one block of 2000 is 5·10⁻⁴, and
        // requests keep arriving at 10/s): it looks every second and adds a replica at 1 s and, after its 2 s
        // cooldown, at 3 s (then it is at max_replicas 4); each serves 3 s after it is added. Paid for: 2 replicas over [0, 1), 3 over [1, 3), 4 over [3, 8): 2 + 6 + 20 = 28 GPU-seconds.
        var client = await DeploymentAsync("fs-autoscale");
        var f = await client.ForecastAsync(new ForecastRequest
        {
            Deployment = "fs-autoscale", HorizonS = 8, StepS = 1, Seeds = 3,
            Scenario = "autoscale: {metric: kv, up: 0.000001, down: 0, min_replicas: 1, max_replicas: 4, interval_s: 1, up_cooldown_s: 2, down_cooldown_s: 100, startup_s: 3}\n",
        });
        Assert.Equal([2, 2, 2, 3, 3, 4, 4, 4], f.StepTotals.Select(s => s.ServingReplicas.Expected));
        Assert.Equal([3, 3, 4, 4, 4, 4, 4, 4], f.StepTotals.Select(s => s.ProvisionedReplicas.Expected));
        Assert.All(f.StepTotals, s => Assert.Equal(s.ServingReplicas.P10, s.ServingReplicas.P90));
        Assert.Equal(28.0 / 3600, f.GpuHours.Expected, 9);
        Assert.Equal(4, f.Replicas.Count);
        Assert.Equal([false, false, true, true], f.Replicas.Select(r => r.Added));
        // The added replicas take requests only once they serve: the third from 4 s, the fourth from 6 s.
        Assert.All(f.Replicas[2].Steps.Take(3), s => Assert.Equal(0, s.Running.Expected + s.Waiting.Expected));
        Assert.Contains(f.Replicas[2].Steps.Skip(3), s => s.Running.Expected > 0);
        Assert.All(f.Replicas[3].Steps.Take(5), s => Assert.Equal(0, s.Running.Expected + s.Waiting.Expected));
        // Without the scenario: the same two replicas throughout, no replica counts.
        Assert.Equal(2, f.WithoutScenario.Replicas.Count);
        Assert.All(f.WithoutScenario.StepTotals, s => Assert.Equal(2, s.ServingReplicas.Expected));
    }

    [Fact]
    public async Task Autoscale_FromLiveState_StartsFromWhatTheReplicasHold()
    {
        // A policy that never acts, no new arrivals and a first step of 1 ms: the deployment simulated as one holds
        // what the replicas' own forecasts hold then (the same seeds draw the same output lengths), running requests
        // resuming with their KV rather than prefilling again.
        var client = await DeploymentAsync("fs-autoscale-live");
        var request = new ForecastRequest { Deployment = "fs-autoscale-live", HorizonS = 0.002, StepS = 0.001, Seeds = 3, TrafficMultiplier = 0 };
        var plain = await client.ForecastAsync(request);
        request.Scenario = "autoscale: {metric: waiting, up: 1000000, down: 0, min_replicas: 2, max_replicas: 3, interval_s: 10}\n";
        var fleet = await client.ForecastAsync(request);
        double Held(ForecastStep s) => s.Running.Expected + s.Waiting.Expected;
        Assert.True(Held(plain.StepTotals[0]) >= 2, $"the replicas hold {Held(plain.StepTotals[0])} requests; the test needs some");
        // Only a request whose last token was in a replica's step in flight at the fork can finish within that
        // millisecond in the replica's own forecast; in the deployment's, each replica's first step starts afresh.
        Assert.InRange(Held(fleet.StepTotals[0]) - Held(plain.StepTotals[0]), 0, 1);
        Assert.Equal(Held(fleet.StepTotals[0]), Held(fleet.WithoutScenario.StepTotals[0]), 9);
        Assert.Equal(0, fleet.StepTotals[0].Waiting.Expected); // all resumed at once: none waits to prefill again
    }

    [Fact]
    public async Task Autoscale_FromLiveState_UnderASpike_AddsReplicas_AndTheQueueIsShorterThanWithout()
    {
        // 24 times the traffic from now (120 requests/s a replica): the policy adds replicas as the queue per replica
        // passes 4; one that never acts (up 10⁶) leaves the queue to grow on the two. At 12× the queue grew only in the
        // seeds that drew a rising slope, which the seeds no longer draw from counts that show no trend (these arrive
        // every 0.2 s): 60 requests/s is about what a replica serves, and the expected queue at 60 s was 0.3 either way.
        var client = await DeploymentAsync("fs-autoscale-spike");
        const string spike = "events:\n  - {at: 0, event: rate, multiplier: 24}\n";
        ForecastRequest Request(double up) => new()
        {
            Deployment = "fs-autoscale-spike", HorizonS = 60, StepS = 10, Seeds = 3,
            Scenario = spike + $"autoscale: {{metric: waiting, up: {up}, down: 0.5, min_replicas: 2, max_replicas: 6, interval_s: 2, up_cooldown_s: 4, down_cooldown_s: 120, startup_s: 5}}\n",
        };
        var scaled = await client.ForecastAsync(Request(4));
        var fixedTwo = await client.ForecastAsync(Request(1_000_000));
        Assert.All(fixedTwo.StepTotals, s => Assert.Equal(2, s.ProvisionedReplicas.Expected));
        Assert.True(scaled.StepTotals[^1].ProvisionedReplicas.Expected > 2, "the spike's queue should make the policy add replicas");
        Assert.True(scaled.StepTotals[^1].Waiting.Expected < fixedTwo.StepTotals[^1].Waiting.Expected,
            $"waiting at 60 s: {scaled.StepTotals[^1].Waiting.Expected} autoscaled, {fixedTwo.StepTotals[^1].Waiting.Expected} on two replicas");
        Assert.True(scaled.GpuHours.Expected > fixedTwo.GpuHours.Expected);
    }

    [Theory]
    [InlineData("events:\n  - {at: 5, event: straggler, replica: 7, factor: 2}\n", "scenario:2: replica 7 does not exist (the deployment has replicas 0 to 1).")]
    [InlineData("events:\n  - {at: 5, event: stragler, replica: 0, factor: 2}\n", "scenario:2: unknown event 'stragler' (did you mean 'straggler'?). Known: replica-lost, replica-added, straggler, kv-loss, slow-link, rate, lengths, router.")]
    public async Task BadScenario_IsInvalidArgumentNamingItsLine(string yaml, string message)
    {
        var client = await DeploymentAsync("fs-bad");
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ForecastAsync(new ForecastRequest { Deployment = "fs-bad", HorizonS = 5, Scenario = yaml }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(message, e.Status.Detail);
    }
}
