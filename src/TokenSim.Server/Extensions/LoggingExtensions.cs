namespace TokenSim.Server.Extensions;

public static class LoggingExtensions
{
    /// <summary>
    /// Warnings and errors from ASP.NET Core and Orleans, information from TokenSim: a line per request would bury
    /// what matters at tens of thousands of events per second. <c>--log-format json</c> writes each entry as one JSON
    /// object a line (UTC timestamp, level, category, message, state and scopes) for log collectors.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimLogging(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);   // Orleans placement logs every resilience-pipeline run at information
        if (settings.Observability.JsonLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        return builder;
    }
}
