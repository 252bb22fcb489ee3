using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Hosting;

namespace TokenSim.Server.Extensions;

public static class ForecastExtensions
{
    /// <summary>
    /// The Forecasting service's parts: forecast metrics in the server's registry, the refresh loop, and the
    /// production-clock scoring interval the replica grains use (<c>--forecast-score-interval</c>).
    /// </summary>
    public static WebApplicationBuilder AddTokenSimForecasts(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddSingleton(sp => new ForecastMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddSingleton(sp => new ForecastScenarioMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddHostedService<ForecastRefreshService>();
        builder.Services.Configure<TwinOptions>(o =>
        {
            o.ForecastScoreIntervalSeconds = settings.ForecastScoreIntervalSeconds;
            o.ForecastScoreBudget = settings.ForecastScoreBudget;
            o.ForecastScoreHorizons = settings.ForecastScoreHorizons;
            o.ForecastsOffTurn = settings.ForecastsOffTurn;
            o.ForecastNiceness = settings.ForecastNiceness;
        });
        return builder;
    }

    public static WebApplication MapTokenSimForecasts(this WebApplication app, ServerSettings settings)
    {
        app.MapGrpcService<ForecastingService>().RequireHost($"*:{settings.GrpcPort}");
        return app;
    }
}
