using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Planning;

namespace TokenSim.Server.Extensions;

public static class PlanningExtensions
{
    /// <summary>The plan workers in this silo, their metrics and the last plan's answer on the server's <c>/metrics</c>, and the Planning service.</summary>
    public static WebApplicationBuilder AddTokenSimPlanning(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new PlanMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddSingleton<PlanAnswerMetrics>();
        builder.UseOrleans(silo => silo.AddTokenSimPlanning());
        return builder;
    }

    public static WebApplication MapTokenSimPlanning(this WebApplication app, ServerSettings settings)
    {
        app.MapGrpcService<PlanningService>().RequireHost($"*:{settings.GrpcPort}");
        return app;
    }
}
