using Orleans.Dashboard;

namespace TokenSim.Server.Extensions;

public static class DashboardExtensions
{
    /// <summary>The Orleans Dashboard's grains and statistics, only with <c>--dashboard PATH</c>: its profiler filters every grain call.</summary>
    public static ISiloBuilder AddTokenSimDashboard(this ISiloBuilder silo, ServerSettings settings)
    {
        if (settings.Observability.DashboardPath is not null) silo.AddDashboard();
        return silo;
    }

    /// <summary>A front end serves the dashboard from the cluster's silos, which must run with <c>--dashboard</c> too.</summary>
    public static IClientBuilder AddTokenSimDashboard(this IClientBuilder client, ServerSettings settings)
    {
        if (settings.Observability.DashboardPath is not null) client.AddDashboard();
        return client;
    }

    /// <summary>The dashboard's page and JSON API under its path on the HTTP/1.1 port, beside <c>/metrics</c>.</summary>
    public static WebApplication MapTokenSimDashboard(this WebApplication app, ServerSettings settings)
    {
        if (settings.Observability.DashboardPath is { } path)
            app.MapOrleansDashboard(routePrefix: path).RequireHost($"*:{settings.MetricsPort}");
        return app;
    }
}
