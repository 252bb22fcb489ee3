using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

namespace TokenSim.Twin.Tests;

/// <summary>
/// An Orleans client of a Redis-clustered twin that asks the silos which replica grains each one hosts (Orleans'
/// management grain), so a test can see where grains live without any help from the server.
/// </summary>
internal sealed class ClusterPlacement : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterPlacement(IHost host) => _host = host;

    public static async Task<ClusterPlacement> ConnectAsync(string redis)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(c =>
            {
                c.UseRedisClustering(redis);
                c.Configure<ClusterOptions>(o => { o.ClusterId = "tokensim"; o.ServiceId = "tokensim"; });
            })
            .Build();
        await host.StartAsync();
        return new ClusterPlacement(host);
    }

    /// <summary>Replica grain key ("deployment/replica") → the silo port of the silo it is active on.</summary>
    public async Task<Dictionary<string, int>> ReplicaGrainsAsync()
    {
        var management = _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var stats = await management.GetDetailedGrainStatistics();
                return stats.Where(s => s.GrainId.Type.ToString() == "replicatwin")
                    .ToDictionary(s => s.GrainId.Key.ToString()!, s => s.SiloAddress.Endpoint.Port);
            }
            // The client may still list a silo that was just killed; the survivor answers once membership catches up.
            catch (Exception e) when (DateTime.UtcNow < deadline && e is OrleansException or TimeoutException)
            {
                await Task.Delay(500);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
