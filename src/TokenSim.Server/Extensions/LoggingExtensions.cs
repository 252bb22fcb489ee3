namespace TokenSim.Server.Extensions;

public static class LoggingExtensions
{
    /// <summary>
    /// Warnings and errors from ASP.NET Core and Orleans, information from TokenSim: a line per request would bury
    /// what matters at tens of thousands of events per second.
    /// </summary>
    public static WebApplicationBuilder AddTokenSimLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning); // Orleans' placement logs every attempt at Information
        return builder;
    }
}
