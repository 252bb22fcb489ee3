using Grpc.Core;
using Grpc.Health.V1;
using TokenSim.Contracts.V1;

namespace TokenSim.Twin.Tests;

/// <summary>A server started with TOKENSIM_API_KEY refuses every call but health checks without the key in x-api-key.</summary>
public sealed class ApiKeyTests(KeyedServerProcess server) : IClassFixture<KeyedServerProcess>
{
    [Fact]
    public async Task Call_WithoutKey_IsUnauthenticated()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest()));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal("this server requires an API key in the 'x-api-key' header", e.Status.Detail);
    }

    /// <summary>Health checks need no key: Kubernetes' gRPC probes (helm/tokensim) cannot send one.</summary>
    [Fact]
    public async Task HealthCheck_WithoutKey_IsServed()
    {
        var health = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Call_WithWrongKey_IsUnauthenticated()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "x" }, server.Headers("guess")));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal("the API key in 'x-api-key' is not valid", e.Status.Detail);
    }

    [Fact]
    public async Task Call_WithKey_IsServed()
    {
        var ack = await new Ingest.IngestClient(server.Channel).IngestBatchAsync(new IngestBatchRequest(), server.Headers(KeyedServerProcess.Key));
        Assert.Empty(ack.Outcomes);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Deployments.DeploymentsClient(server.Channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "x" }, server.Headers(KeyedServerProcess.Key)));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
