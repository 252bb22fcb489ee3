using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TokenSim.Server.Gateway;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Server.Sources;
using TokenSim.Server.Vllm;
using TokenSim.Twin.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace TokenSim.Server.Extensions;

public static class VllmExtensions
{
    /// <summary>
    /// The KV-event subscriber of every replica whose target in the sources file (<c>--sources</c>) has <c>kv_events</c>,
    /// and with <c>--proxy true</c> the OpenAI gateway on 127.0.0.1:<c>--proxy-port</c> (7102) in front of the replicas'
    /// <c>openai</c> URLs. Throws <see cref="ArgumentException"/> on a bad file or flag.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimVllm(this WebApplicationBuilder builder, ServerSettings settings)
    {
        var sources = settings.Sources is { } path ? SourcesFile.Load(path) : SourcesConfig.Empty;
        builder.Services.AddSingleton(sp => new KvEventMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddTokenSimKvEvents();
        builder.Services.AddHostedService<KvEventSources>();
        var gateway = GatewaySettings.From(settings, sources, settings.Sources);
        if (gateway is null) return builder;
        // A line per proxied request (and per grain placement) would bury what matters.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddSingleton(gateway);
        int port = gateway.Port;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        builder.Services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddSingleton<IngestService>();
        builder.Services.AddTokenizeHttpClient();
        builder.Services.AddSingleton<GatewayFeed>();
        builder.Services.AddSingleton<GatewayMiddleware>();
        RouteConfig[] routes =
        [
            new()
            {
                RouteId = "openai", ClusterId = "vllm", Match = new RouteMatch { Path = "{**catch-all}" },
                // The request goes on as the client sent it: no X-Forwarded-* headers added.
                Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
            },
        ];
        ClusterConfig[] clusters =
        [
            new()
            {
                ClusterId = "vllm", LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                Destinations = gateway.Replicas.ToDictionary(r => r.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), r => new DestinationConfig { Address = r.Value.ToString() }),
                // Long generations stream for minutes; the proxy's 100 s default would cut them.
                HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(30) },
            },
        ];
        // No trace headers of the proxy's own: the request's traceparent (the client's, or the gateway's) reaches vLLM as it is.
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters).ConfigureHttpClient((_, handler) => handler.ActivityHeadersPropagator = null);
        return builder;
    }

    /// <summary>The gateway's route, on its port only; nothing when <c>--proxy</c> is off.</summary>
    public static WebApplication MapTokenSimGateway(this WebApplication app)
    {
        if (app.Services.GetService<GatewaySettings>() is not { Port: var port }) return app;
        var gateway = app.Services.GetRequiredService<GatewayMiddleware>();
        app.MapReverseProxy(p =>
        {
            p.UseSessionAffinity();
            p.UseLoadBalancing();
            p.UsePassiveHealthChecks();
            p.Use(gateway.InvokeAsync);
        }).RequireHost($"*:{port}");
        return app;
    }
}
