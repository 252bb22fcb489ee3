using TokenSim.Core.Simulation;
using TokenSim.Planning;

namespace TokenSim.Cli.Tests;

/// <summary>A plan sent to a server carries the client's description of its traffic, count included: it is said once.</summary>
public sealed class TrafficDescriptionTests
{
    private static readonly RequestSpec[] ThreeRequests = [new(0, 10, 5), new(1, 10, 5), new(2, 10, 5)];

    [Fact]
    public void ClientDescription_WithItsCount_IsKeptAsItIs()
    {
        var traffic = Traffic.FromArrivals(ThreeRequests, "3 requests, Poisson arrivals at 1 req/s");
        Assert.Equal("3 requests, Poisson arrivals at 1 req/s", traffic.Description);
    }

    [Fact]
    public void Description_WithoutACount_GetsOne()
    {
        var traffic = Traffic.FromArrivals(ThreeRequests, "deployment 'llama', last 60 s");
        Assert.Equal("3 requests, deployment 'llama', last 60 s", traffic.Description);
    }
}
