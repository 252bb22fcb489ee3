using System.Net;
using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class TwinExtensions
{
    /// <summary>The embedded default: one silo in this process, localhost clustering, in-memory grain storage.</summary>
    public static WebApplicationBuilder AddTokenSimTwin(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.SiloPort));
            silo.AddTokenSimTwin(o => o.LatenessSeconds = settings.LatenessSeconds);
        });
        return builder;
    }
}
