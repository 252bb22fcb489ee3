using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace TokenSim.Server.Extensions;

public static class EndpointExtensions
{
    /// <summary>
    /// Two endpoints on <c>--bind</c> (loopback by default): gRPC as HTTP/2 only (plain-text gRPC clients speak HTTP/2 with prior knowledge, which
    /// an HTTP/1.1-or-2 endpoint cannot negotiate without TLS) and the metrics endpoint as HTTP/1.1 for scrapers.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimEndpoints(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(settings.Cluster.Bind, settings.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
            k.Listen(settings.Cluster.Bind, settings.MetricsPort, o => o.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }
}
