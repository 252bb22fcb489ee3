using System.Net;

namespace TokenSim.Twin.Tests;

/// <summary>What the default server does not serve: the Orleans Dashboard is off unless <c>--dashboard</c> is given.</summary>
public sealed class DefaultServerTests(ServerProcess server) : IClassFixture<ServerProcess>
{
    [Theory]
    [InlineData("/dashboard/")]
    [InlineData("/dashboard/DashboardCounters")]
    [InlineData("/")]
    public async Task Dashboard_IsOffByDefault(string path)
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{server.MetricsPort}{path}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{server.MetricsPort}/metrics")).StatusCode);
    }
}
