using TokenSim.Server.Grpc;

namespace TokenSim.Server.Extensions;

public static class GrpcExtensions
{
    /// <summary>Largest request message: 1,000 events with their prefix hashes fit well within it.</summary>
    public const int MaxReceiveMessageBytes = 8 * 1024 * 1024;

    public static WebApplicationBuilder AddTokenSimGrpc(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxReceiveMessageBytes;
            o.Interceptors.Add<ApiKeyInterceptor>();
            o.Interceptors.Add<ClusterErrorInterceptor>();   // a silo lost mid-call: UNAVAILABLE, which clients retry
        });
        builder.Services.AddGrpcHealthChecks().AddCheck("twin", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();
        return builder;
    }
}
