using Grpc.Core;
using TokenSim.Contracts.V1;
using TokenSim.Server.Grpc;
using TokenSim.Twin.Abstractions;
using TwinSpec = TokenSim.Twin.Abstractions.TwinDeploymentSpec;
using TwinArrived = TokenSim.Twin.Abstractions.Events.RequestArrived;
using TwinEventOutcome = TokenSim.Twin.Abstractions.EventOutcome;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Deployments.GetAccuracy in pages: the real service over the shared silo. Every record comes exactly once across
/// pages, in the order of the unpaged snapshot; a token the server did not give, or a negative page size, is
/// INVALID_ARGUMENT.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AccuracyPagingTests(ClusterFixture fixture)
{
    private const double T0 = 1_780_000_000; // Unix seconds

    private async Task<DeploymentsService> DeploymentWith(string name, int requests)
    {
        var grain = fixture.Grains.GetGrain<IDeploymentTwinGrain>(name);
        await grain.RegisterAsync(new TwinSpec { Name = name, Model = "llama-3.1-8b", Hardware = "a100-80g", Replicas = 3, KvBlocks = 2000, MaxModelLen = 4096, PerfModel = "roofline" });
        // Replica 1 gets none: a page that reaches it goes on to replica 2.
        var events = Enumerable.Range(0, requests).Select(i => (TwinEvent)new TwinArrived
        {
            EventId = $"{name}-{i}", Replica = i % 2 == 0 ? 0 : 2, TimeSeconds = T0 + 0.1 * i, RequestId = $"r{i}", PromptTokens = 100, MaxTokens = 8,
        }).ToArray();
        var ack = await grain.IngestAsync(events);
        Assert.All(ack.Outcomes, o => Assert.Equal(TwinEventOutcome.Applied, o));
        return new DeploymentsService(fixture.Grains);
    }

    private static Task<AccuracyReport> Page(DeploymentsService service, string name, int size, string token = "") =>
        service.GetAccuracy(new GetAccuracyRequest { Deployment = name, PageSize = size, PageToken = token }, new FakeServerCallContext("/tokensim.v1.Deployments/GetAccuracy"));

    [Fact]
    public async Task Pages_HoldEveryRecordExactlyOnce_InTheSnapshotsOrder()
    {
        var service = await DeploymentWith("paged", 23);
        var whole = (await fixture.Grains.GetGrain<IDeploymentTwinGrain>("paged").GetAccuracyAsync())!;
        Assert.Equal(23, whole.Requests.Length);

        var pages = new List<AccuracyReport>();
        string token = "";
        do
        {
            var page = await Page(service, "paged", 5, token);
            pages.Add(page);
            token = page.NextPageToken;
            Assert.True(pages.Count <= 10, "the pages do not end");
        }
        while (token.Length > 0);
        // 12 records on replica 0, none on 1, 11 on 2: pages of 5, 5, 5 (2 + 3), 5, 3.
        Assert.Equal([5, 5, 5, 5, 3], pages.Select(p => p.Requests.Count));
        Assert.Equal(whole.Requests.Select(r => (r.Replica, r.RequestId)), pages.SelectMany(p => p.Requests).Select(r => (r.Replica, r.RequestId)));
        // Statuses and totals with the first page only.
        Assert.Equal(3, pages[0].Replicas.Count);
        Assert.NotNull(pages[0].Totals);
        Assert.All(pages.Skip(1), p => { Assert.Empty(p.Replicas); Assert.Null(p.Totals); });

        // The default page (1,000) holds them all, with no next token.
        var all = await Page(service, "paged", 0);
        Assert.Equal(23, all.Requests.Count);
        Assert.Equal("", all.NextPageToken);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("r3.0")]   // no replica 3
    [InlineData("r0.-1")]
    [InlineData("r0.1\u001b[2J")]
    public async Task AForeignPageToken_IsInvalidArgument(string token)
    {
        var service = await DeploymentWith("tokens-" + Math.Abs(token.GetHashCode(StringComparison.Ordinal)), 4);
        var name = "tokens-" + Math.Abs(token.GetHashCode(StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<RpcException>(() => Page(service, name, 2, token));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("page_token", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', e.Status.Detail);
    }

    [Fact]
    public async Task ANegativePageSize_IsInvalidArgument()
    {
        var service = await DeploymentWith("negative-size", 2);
        var e = await Assert.ThrowsAsync<RpcException>(() => Page(service, "negative-size", -1));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("page_size", e.Status.Detail, StringComparison.Ordinal);
    }
}
