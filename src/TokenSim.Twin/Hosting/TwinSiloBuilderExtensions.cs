using Microsoft.Extensions.DependencyInjection;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Hosting;

public static class TwinSiloBuilderExtensions
{
    /// <summary>
    /// The twin's grains with in-memory storage (the embedded default). A persistent provider registered under
    /// <see cref="TwinOptions.StorageName"/> instead makes acknowledged events survive a silo failure.
    /// </summary>
    public static ISiloBuilder AddTokenSimTwin(this ISiloBuilder silo, Action<TwinOptions>? configure = null, bool inMemoryStorage = true)
    {
        if (inMemoryStorage) silo.AddMemoryGrainStorage(TwinOptions.StorageName);
        var options = silo.Services.AddOptions<TwinOptions>();
        if (inMemoryStorage) options.Configure(o => o.WriteStatePerBatch = false);
        if (configure is not null) options.Configure(configure);
        options.PostConfigure(o => o.DataRoot ??= PerfModelResolver.FindDataRoot(AppContext.BaseDirectory));
        return silo;
    }
}
