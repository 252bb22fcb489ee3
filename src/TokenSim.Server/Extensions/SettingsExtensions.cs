namespace TokenSim.Server.Extensions;

public static class SettingsExtensions
{
    /// <summary>Reads <see cref="ServerSettings"/> from the command line and environment and registers them.</summary>
    public static ServerSettings AddTokenSimSettings(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, ServerSettings.Flags.ToDictionary());
        var settings = ServerSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        return settings;
    }
}
