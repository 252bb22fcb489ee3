using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class PlanningExtensions
{
    /// <summary>
    /// The plan workers in this silo, their metrics on the server's <c>/metrics</c>, and the last plan's answer, and the Planning service. A front
    /// end (<c>--role frontend</c>) hosts no silo: its plans run on the cluster's workers.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimPlanning(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddTokenSimPlanServices(sp => sp.GetRequiredService<TokenSimMetrics>().Registry);
        builder.Services.AddSingleton<PlanAnswerMetrics>();
        if (settings.Cluster.HostsSilo) builder.UseOrleans(silo => silo.AddTokenSimPlanning());
        return builder;
    }

    public static WebApplication MapTokenSimPlanning(this WebApplication app, ServerSettings settings)
    {
        app.MapGrpcService<PlanningService>().RequireHost($"*:{settings.GrpcPort}");
        return app;
    }
}
