using System.Net;
using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class TwinExtensions
{
    /// <summary>
    /// One silo in this process with localhost clustering; in-memory grain storage by default, Redis with
    /// <c>--redis</c> (replica grains as event logs, each batch appended before it is acknowledged).
    /// </summary>
    public static WebApplicationBuilder AddTokenSimTwin(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.SiloPort));
            void Configure(TwinOptions o)
            {
                o.LatenessSeconds = settings.LatenessSeconds;
                o.MaxRecords = settings.MaxRecords;
            }
            if (settings.Redis is { } redis) silo.AddTokenSimTwinRedis(redis, Configure);
            else silo.AddTokenSimTwin(Configure);
        });
        return builder;
    }
}
