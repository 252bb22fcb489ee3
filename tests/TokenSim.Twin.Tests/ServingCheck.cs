using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.Net.Client;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>
/// What a started TokenSim.Server process must do to count as serving: gRPC health SERVING, a deployment registered,
/// an event applied and counted on <c>/metrics</c>; a front end passes only if its silos do the work.
/// </summary>
internal static class ServingCheck
{
    public static async Task AssertServesAsync(Process process, int grpcPort, int metricsPort, Func<string> log, string deployment)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HealthCheckResponse? health = null;
        while (health is null)
        {
            Assert.False(process.HasExited, $"the server exited:\n{log()}");
            try
            {
                health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        await new Deployments.DeploymentsClient(channel).RegisterDeploymentAsync(new RegisterDeploymentRequest
        {
            Spec = new DeploymentSpec { Name = deployment, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 2, PerfModel = "roofline", Engine = new EngineSettings { KvBlocks = 2000, MaxModelLen = 4096 } },
        });
        var ack = await new Ingest.IngestClient(channel).IngestBatchAsync(new IngestBatchRequest
        {
            Events =
            {
                new Event
                {
                    EventId = "a", Deployment = deployment, Replica = 1, ProducedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    RequestArrived = new RequestArrived { RequestId = "r", PromptTokens = 100, MaxTokens = 10 },
                },
            },
        });
        Assert.Equal(Outcome.Applied, ack.Outcomes.Single().Outcome);
        using var http = new HttpClient();
        Assert.Contains($"tokensim_events_ingested_total{{deployment=\"{deployment}\",type=\"request_arrived\",outcome=\"applied\"}} 1",
            await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics"));
    }
}
