using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class TwinExtensions
{
    /// <summary>
    /// The Orleans side of the process (<c>--role</c>): a silo hosting the twin's grains (roles <c>both</c> and
    /// <c>silo</c>), or an Orleans client of the cluster (<c>frontend</c>). A silo's grain storage is in memory by
    /// default, Redis with <c>--redis</c> (then every batch is written before it is acknowledged).
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
            if (settings.Redis is { } redis)
            {
                silo.AddRedisGrainStorage(TwinOptions.StorageName, o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
                silo.AddTokenSimTwin(o => o.LatenessSeconds = settings.LatenessSeconds, inMemoryStorage: false);
            }
            else silo.AddTokenSimTwin(o => o.LatenessSeconds = settings.LatenessSeconds);
            if (TelemetryExtensions.TracesConfigured) silo.AddActivityPropagation();
            silo.AddTokenSimDashboard(settings);
        });
        return builder;
    }
}
