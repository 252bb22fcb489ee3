using Orleans.Diagnostics;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TokenSim.Server.Extensions;

public static class TelemetryExtensions
{
    private static bool Set(string name) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name));
    private static bool Signal(string signal) => Set("OTEL_EXPORTER_OTLP_ENDPOINT") || Set($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT");

    public static bool TracesConfigured => Signal("TRACES");
    public static bool MetricsConfigured => Signal("METRICS");
    public static bool LogsConfigured => Signal("LOGS");

    /// <summary>
    /// OpenTelemetry over OTLP, each signal only when the standard variables give it an endpoint
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> / <c>_METRICS_</c> / <c>_LOGS_</c>;
    /// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>OTEL_SERVICE_NAME</c> and <c>OTEL_RESOURCE_ATTRIBUTES</c>
    /// are read by the exporter as usual). Nothing is collected otherwise. Traces: every gRPC call (ASP.NET Core's
    /// server spans, scrapes of <c>/metrics</c> left out) and every grain call, activation and storage operation
    /// (Orleans' <c>Microsoft.Orleans.Application</c>, <c>.Lifecycle</c> and <c>.Storage</c> sources, propagated between
    /// silos and front ends). Metrics: ASP.NET Core's
    /// request metrics and Orleans' <c>Microsoft.Orleans</c> meter.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimTelemetry(this WebApplicationBuilder builder, ServerSettings settings)
    {
        if (!(TracesConfigured || MetricsConfigured || LogsConfigured)) return builder;
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r =>
        {
            if (!Set("OTEL_SERVICE_NAME")) r.AddService("tokensim-server");
            r.AddAttributes([new("tokensim.role", settings.Cluster.Role.ToString().ToLowerInvariant())]);
        });
        if (TracesConfigured)
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => ctx.Connection.LocalPort == settings.GrpcPort)
                // Grain calls, activations and storage; not Orleans' runtime source, whose membership and timer
                // calls would add spans every second that nobody asked about.
                .AddSource(ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.LifecycleActivitySourceName, ActivitySources.StorageActivitySourceName)
                .AddOtlpExporter());
        if (MetricsConfigured)
            otel.WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter("Microsoft.Orleans")
                .AddOtlpExporter());
        if (LogsConfigured)
            otel.WithLogging(l => l.AddOtlpExporter(), o => o.IncludeScopes = true);
        return builder;
    }
}
