using Microsoft.Extensions.Options;

namespace TokenSim.Server.Extensions;

public static class SettingsExtensions
{
    /// <summary>
    /// Puts the checked <paramref name="values"/> (<see cref="ServerCommandLine.Load"/>) into the host's configuration
    /// and registers the <see cref="ServerSettings"/> built from them, also as <c>IOptions&lt;ServerSettings&gt;</c>.
    /// </summary>
    public static ServerSettings AddTokenSimSettings(this WebApplicationBuilder builder, IReadOnlyDictionary<string, string> values)
    {
        builder.Configuration.AddInMemoryCollection(values.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)));
        var settings = ServerSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(Options.Create(settings));
        return settings;
    }
}
