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

    [Theory]
    [InlineData("events:\n  - {at: 5, event: replica-added}\n", "scenario:2: 'replica-added' is not forecast from live state; replica_delta adds replicas.")]
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
