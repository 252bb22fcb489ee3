using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TokenSim.Server.Gateway;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Server.Vllm;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace TokenSim.Server.Extensions;

public static class VllmExtensions
{
    /// <summary>
    /// The production vLLM deployment's native sources (<c>--vllm FILE</c>): a KV-event subscriber per replica that
    /// publishes them, and with <c>--proxy true</c> the OpenAI gateway on 127.0.0.1:<c>--proxy-port</c> (7102) in
    /// front of the replicas. Throws <see cref="ArgumentException"/> on a bad file or flag.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimVllm(this WebApplicationBuilder builder)
    {
        var vllm = VllmSettings.From(builder.Configuration);
        if (vllm is null) return builder;
        builder.Services.AddSingleton(vllm);
        builder.Services.AddSingleton(sp => new KvEventMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddHostedService<KvEventSources>();
        if (vllm.ProxyPort is not { } port) return builder;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        builder.Services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<TokenSimMetrics>().Registry));
        builder.Services.AddSingleton(sp => new IngestService(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<TokenSimMetrics>()));
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
                Destinations = vllm.Replicas.ToDictionary(r => r.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), r => new DestinationConfig { Address = r.Url!.ToString() }),
                // Long generations stream for minutes; the proxy's 100 s default would cut them.
                HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(30) },
            },
        ];
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
        return builder;
    }

    /// <summary>The gateway's route, on its port only; nothing when <c>--proxy</c> is off.</summary>
    public static WebApplication MapTokenSimGateway(this WebApplication app)
    {
        if (app.Services.GetService<VllmSettings>() is not { ProxyPort: { } port }) return app;
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
