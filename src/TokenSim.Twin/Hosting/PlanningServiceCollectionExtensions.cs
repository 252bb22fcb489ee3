using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Planning;

namespace TokenSim.Twin.Hosting;

public static class PlanningServiceCollectionExtensions
{
    /// <summary>
    /// What a host that answers plans needs from the twin, silo or front end alike: <see cref="IPlanExecutors"/> over the
    /// cluster's plan workers, and the workers' metrics on the host's exported <paramref name="registry"/> (registered
    /// before <see cref="PlanningSiloBuilderExtensions.AddTokenSimPlanning"/>, whose own registry is then unused).
    /// </summary>
    public static IServiceCollection AddTokenSimPlanServices(this IServiceCollection services, Func<IServiceProvider, CollectorRegistry> registry)
    {
        services.AddSingleton(sp => new PlanMetrics(registry(sp)));
        services.TryAddSingleton<IPlanExecutors, ClusterPlanExecutors>();
        return services;
    }
}
