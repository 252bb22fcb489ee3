using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Kv;

namespace TokenSim.Twin.Hosting;

public static class KvEventsServiceCollectionExtensions
{
    /// <summary><see cref="IKvEventSubscribers"/> for a host that subscribes to vLLM's KV events (the server does, per its sources file).</summary>
    public static IServiceCollection AddTokenSimKvEvents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKvEventSubscribers, KvEventSubscribers>();
        return services;
    }
}
