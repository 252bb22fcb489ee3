using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using TokenSim.Twin.Shadow;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Hosting;

public static class TwinSiloBuilderExtensions
{
    /// <summary>
    /// The twin's grains with in-memory storage (the embedded default): deployment grains in Orleans' memory grain
    /// storage, replica grains parked in <see cref="InMemoryReplicaStore"/> when they deactivate. Nothing survives the
    /// process; an acknowledgement means applied.
    /// </summary>
    public static ISiloBuilder AddTokenSimTwin(this ISiloBuilder silo, Action<TwinOptions>? configure = null)
    {
        silo.AddMemoryGrainStorage(TwinOptions.StorageName);
        silo.Services.AddSingleton<IReplicaStore, InMemoryReplicaStore>();
        return silo.AddTwinOptions(configure);
    }

    /// <summary>
    /// The twin's grains persisted to the Redis at <paramref name="configuration"/> (a StackExchange.Redis
    /// configuration string): deployment grains in Orleans' Redis grain storage, replica grains as event logs
    /// (<see cref="RedisReplicaStore"/>), each batch appended before it is acknowledged. Any silo connected to the same
    /// Redis reactivates a replica where its log ends.
    /// </summary>
    public static ISiloBuilder AddTokenSimTwinRedis(this ISiloBuilder silo, string configuration, Action<TwinOptions>? configure = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        silo.AddRedisGrainStorage(TwinOptions.StorageName, o => o.ConfigurationOptions = options);
        silo.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        silo.Services.AddSingleton<IReplicaStore, RedisReplicaStore>();
        return silo.AddTwinOptions(configure);
    }

    private static ISiloBuilder AddTwinOptions(this ISiloBuilder silo, Action<TwinOptions>? configure)
    {
        // The deployment grains bound production times by the wall clock (ProductionTime); tests may replace it.
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton(sp => PredictionScheduler.Dedicated(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TwinOptions>>().Value.ForecastNiceness));
        var options = silo.Services.AddOptions<TwinOptions>();
        if (configure is not null) options.Configure(configure);
        options.PostConfigure(o => o.DataRoot ??= PerfModelResolver.FindDataRoot(AppContext.BaseDirectory));
        return silo;
    }
}
