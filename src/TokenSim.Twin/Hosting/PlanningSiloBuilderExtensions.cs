using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenSim.Twin.Planning;

namespace TokenSim.Twin.Hosting;

public static class PlanningSiloBuilderExtensions
{
    /// <summary>
    /// The plan workers: lanes spread over silos and a stateless worker pool per silo. Their metrics go to a registry
    /// of their own unless the host registered a <see cref="PlanMetrics"/> on its exported registry first.
    /// </summary>
    public static ISiloBuilder AddTokenSimPlanning(this ISiloBuilder silo)
    {
        silo.AddPlacementDirector<SiloSpreadPlacement, SiloSpreadPlacementDirector>();
        silo.Services.TryAddSingleton(_ => new PlanMetrics(Prometheus.Metrics.NewCustomRegistry()));
        return silo;
    }
}
