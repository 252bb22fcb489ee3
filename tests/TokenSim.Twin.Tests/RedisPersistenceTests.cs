using Google.Protobuf.WellKnownTypes;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>The server with <c>--redis</c>: what it acknowledged survives the process being killed.</summary>
public sealed class RedisPersistenceTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);

    private static Event New(string id, double t) => new()
    {
        EventId = id, Deployment = "persisted", Replica = 1, ProducedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(t)),
    };

    private static IngestBatchRequest Lifecycle()
    {
        var arrived = New("a", 0);
        arrived.RequestArrived = new RequestArrived { RequestId = "r1", PromptTokens = 100, MaxTokens = 10 };
        var first = New("f", 0.05);
        first.FirstToken = new FirstToken { RequestId = "r1" };
        var finished = New("d", 0.5);
        finished.RequestFinished = new RequestFinished { RequestId = "r1", OutputTokens = 10 };
        return new IngestBatchRequest { Events = { arrived, first, finished } };
    }

    [SkippableFact]
    public async Task AcknowledgedEvents_SurviveAKilledServer()
    {
        Skip.If(RedisServer.Executable is null, RedisServer.Missing);
        using var redis = await RedisServer.StartAsync();
        var first = new RedisServerProcess(redis.Connection);
        try
        {
            await first.InitializeAsync();
            await new Deployments.DeploymentsClient(first.Channel).RegisterDeploymentAsync(new RegisterDeploymentRequest { Spec = Spec });
            var ack = await new Ingest.IngestClient(first.Channel).IngestBatchAsync(Lifecycle());
            Assert.Equal(3, ack.Applied);
        }
        finally
        {
            await first.DisposeAsync(); // killed, not stopped: no grain gets to write on deactivation
        }

        var second = new RedisServerProcess(redis.Connection);
        try
        {
            await Restarted(second);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    private static readonly DeploymentSpec Spec = new()
    {
        Name = "persisted", Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline",
        Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 },
    };

    private static async Task Restarted(ServerProcess second)
    {
        await second.InitializeAsync();
        var info = await new Deployments.DeploymentsClient(second.Channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "persisted" });
        // As registered, with the defaults the server filled in.
        Assert.Equal(Spec.Engine, info.Spec.Engine);
        Assert.Equal((Spec.Model, Spec.Replicas, 1, "vllm-v1"), (info.Spec.Model, info.Spec.Replicas, info.Spec.TensorParallel, info.Spec.Scheduler));
        var report = await new Deployments.DeploymentsClient(second.Channel).GetAccuracyAsync(new GetAccuracyRequest { Deployment = "persisted" });
        var r1 = Assert.Single(report.Requests);
        Assert.Equal("r1", r1.RequestId);
        Assert.Equal(0.5, r1.ObservedE2ES, 9);
        Assert.True(r1.HasPredictedTtftS);
        // The seen event ids were persisted too: a retry of the acknowledged batch is recognised.
        var retry = await new Ingest.IngestClient(second.Channel).IngestBatchAsync(Lifecycle());
        Assert.Equal(3, retry.Duplicate);
    }
}
