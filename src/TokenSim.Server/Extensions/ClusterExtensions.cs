using System.Net;
using Orleans.Configuration;

namespace TokenSim.Server.Extensions;

public static class ClusterExtensions
{
    /// <summary>
    /// Membership for a silo: localhost clustering by default (one silo, found on loopback), else the membership table
    /// in Redis (<c>--cluster-redis</c>), where any number of silos and front ends meet. Failure detection follows
    /// <c>--probe-timeout</c> and <c>--missed-probes</c>.
    /// </summary>
    public static ISiloBuilder UseTokenSimCluster(this ISiloBuilder silo, ServerSettings s)
    {
        var c = s.Cluster;
        if (c.ClusterRedis is { } redis)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            silo.Configure<ClusterOptions>(o => { o.ClusterId = c.ClusterId; o.ServiceId = c.ServiceId; });
            // A silo reachable from other machines listens on every interface and tells the others its advertised address.
            silo.ConfigureEndpoints(c.AdvertiseIp, s.SiloPort, s.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(c.AdvertiseIp));
        }
        else silo.UseLocalhostClustering(s.SiloPort, s.GatewayPort, new IPEndPoint(IPAddress.Loopback, s.SiloPort), c.ServiceId, c.ClusterId);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(c.ProbeTimeoutSeconds);
            o.NumMissedProbesLimit = c.MissedProbes;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(c.ResponseTimeoutSeconds));
        return silo;
    }

    /// <summary>
    /// Membership for a front end (an Orleans client): the gateways listed in the Redis membership table, or the local
    /// silo's gateway on <c>--gateway-port</c> under localhost clustering.
    /// </summary>
    public static IClientBuilder UseTokenSimCluster(this IClientBuilder client, ServerSettings s)
    {
        var c = s.Cluster;
        if (c.ClusterRedis is { } redis)
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            client.Configure<ClusterOptions>(o => { o.ClusterId = c.ClusterId; o.ServiceId = c.ServiceId; });
        }
        else client.UseLocalhostClustering(s.GatewayPort, c.ServiceId, c.ClusterId);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(c.ResponseTimeoutSeconds));
        return client;
    }
}
