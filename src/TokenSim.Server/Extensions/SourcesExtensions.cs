using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenSim.Server.Metrics;
using TokenSim.Server.Sources;
using TokenSim.Server.Sources.Otlp;
using TokenSim.Server.Sources.Scrape;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Server.Extensions;

public static class SourcesExtensions
{
    /// <summary>
    /// The native vLLM sources: the sources file (<c>--sources</c>), the OTLP trace receivers, and the scrape loop.
    /// Throws <see cref="ArgumentException"/> naming the file, line and key of a bad sources file.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimSources(this WebApplicationBuilder builder, ServerSettings settings)
    {
        var config = settings.Sources is { } path ? SourcesFile.Load(path) : SourcesConfig.Empty;
        foreach (var d in config.Deployments.Where(d => d.Spec is not null))
        {
            try
            {
                DeploymentSpecs.Build(d.Spec!);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{settings.Sources}: deployment '{d.Name}': {e.Message}", e);
            }
        }
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(new SpanRouter(config.SpanRules));
        builder.Services.AddSingleton<TwinSink>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SourceMetrics>();
        builder.Services.AddSingleton<BootTimeline>();
        builder.Services.AddSingleton<OtlpIngest>();
        // OTLP exports may be larger than the twin's own messages (GrpcExtensions.MaxReceiveMessageBytes).
        builder.Services.AddGrpc().AddServiceOptions<OtlpTraceService>(o => o.MaxReceiveMessageSize = OtlpEndpoints.MaxBytes);
        builder.Services.AddScrapeHttpClient(config.Scrape);
        builder.Services.AddSingleton<ScrapeService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScrapeService>());
        return builder;
    }

    /// <summary>OTLP on both ports, and <c>/sources/status</c> and <c>/sources/boot</c> (JSON) on the HTTP port.</summary>
    public static WebApplication MapTokenSimSources(this WebApplication app, ServerSettings settings)
    {
        app.MapOtlpReceivers(settings);
        app.MapGet("/sources/status", (ScrapeService scrape) => Results.Json(scrape.Status(), SourcesJsonContext.Http.TargetStatuses)).RequireHost($"*:{settings.MetricsPort}");
        app.MapGet("/sources/boot", (BootTimeline boot) => Results.Json(boot.Snapshot(), SourcesJsonContext.Http.BootSpans)).RequireHost($"*:{settings.MetricsPort}");
        return app;
    }
}
