using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class TwinExtensions
{
    /// <summary>
    /// The Orleans side of the process (<c>--role</c>): a silo hosting the twin's grains (roles <c>both</c> and
    /// <c>silo</c>), or an Orleans client of the cluster (<c>frontend</c>). A silo's grain storage is in memory by
    /// default, Redis with <c>--redis</c> (replica grains as event logs, each batch appended before it is acknowledged).
    /// </summary>
    public static WebApplicationBuilder AddTokenSimTwin(this WebApplicationBuilder builder, ServerSettings settings)
    {
        if (!settings.Cluster.HostsSilo)
        {
            builder.UseOrleansClient(client =>
            {
                client.UseTokenSimCluster(settings);
                if (TelemetryExtensions.TracesConfigured) client.AddActivityPropagation();
                client.AddTokenSimDashboard(settings);
            });
            return builder;
        }
        builder.UseOrleans(silo =>
        {
            silo.UseTokenSimCluster(settings);
            void Configure(TwinOptions o)
            {
                o.LatenessSeconds = settings.LatenessSeconds;
                o.MaxRecords = settings.MaxRecords;
            }
            if (settings.Redis is { } redis) silo.AddTokenSimTwinRedis(redis, Configure);
            else silo.AddTokenSimTwin(Configure);
            if (TelemetryExtensions.TracesConfigured) silo.AddActivityPropagation();
            silo.AddTokenSimDashboard(settings);
        });
        return builder;
    }
}
