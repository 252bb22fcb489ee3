using System.Net;
using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class TwinExtensions
{
    /// <summary>
    /// One silo in this process with localhost clustering; in-memory grain storage by default, Redis with
    /// <c>--redis</c> (then every batch is written before it is acknowledged).
    /// </summary>
    public static WebApplicationBuilder AddTokenSimTwin(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.SiloPort));
            if (settings.Redis is { } redis)
            {
                silo.AddRedisGrainStorage(TwinOptions.StorageName, o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
                silo.AddTokenSimTwin(o => o.LatenessSeconds = settings.LatenessSeconds, inMemoryStorage: false);
            }
            else silo.AddTokenSimTwin(o => o.LatenessSeconds = settings.LatenessSeconds);
        });
        return builder;
    }
}
