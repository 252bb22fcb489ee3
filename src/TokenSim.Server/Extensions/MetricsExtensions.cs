using Prometheus;
using TokenSim.Server.Metrics;

namespace TokenSim.Server.Extensions;

public static class MetricsExtensions
{
    public static WebApplicationBuilder AddTokenSimMetrics(this WebApplicationBuilder builder)
    {
        // A registry of its own, so two servers in one process (tests) never share counters.
        builder.Services.AddSingleton(_ => new TokenSimMetrics(Prometheus.Metrics.NewCustomRegistry()));
        return builder;
    }

    /// <summary><c>/metrics</c> in Prometheus text format, on the HTTP/1.1 port only.</summary>
    public static WebApplication MapTokenSimMetrics(this WebApplication app, Extensions.ServerSettings settings)
    {
        var metrics = app.Services.GetRequiredService<TokenSimMetrics>();
        app.MapMetrics("/metrics", metrics.Registry).RequireHost($"*:{settings.MetricsPort}");
        return app;
    }
}
