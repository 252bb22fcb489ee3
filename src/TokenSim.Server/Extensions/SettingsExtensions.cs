using Microsoft.Extensions.Options;

namespace TokenSim.Server.Extensions;

public static class SettingsExtensions
{
    /// <summary>
    /// <c>IOptions&lt;ServerSettings&gt;</c> from the configuration: filled by <see cref="ServerSettingsBinder"/>,
    /// checked by <see cref="ServerSettingsValidator"/> when first read and again when the host starts.
    /// </summary>
    public static IServiceCollection AddTokenSimServerOptions(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<ServerSettings>, ServerSettingsBinder>();
        services.AddSingleton<IValidateOptions<ServerSettings>, ServerSettingsValidator>();
        services.AddOptions<ServerSettings>().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ServerSettings>>().Value);
        return services;
    }

    /// <summary>
    /// The server's configuration sources (<see cref="ServerCommandLine"/>) in the host's configuration, its options
    /// registered, and the validated settings the rest of the host is built from. Throws
    /// <see cref="ServerUsageException"/> for a wrong command line and <see cref="ArgumentException"/> for a bad value.
    /// </summary>
    public static ServerSettings AddTokenSimSettings(this WebApplicationBuilder builder, string[] args, Func<string, string?> environment)
    {
        builder.Configuration.AddTokenSimServer(args, environment);
        builder.Services.AddTokenSimServerOptions();
        return ServerSettings.From(builder.Configuration);
    }
}
