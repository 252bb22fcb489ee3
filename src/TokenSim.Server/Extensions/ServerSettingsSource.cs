namespace TokenSim.Server.Extensions;

/// <summary>
/// One of the server's three configuration sources (the <c>--config</c> file, <c>TOKENSIM_*</c> variables, flags),
/// each a <c>Microsoft.Extensions.Configuration</c> provider of <see cref="ServerOption.Key"/>s, layered so that a
/// later source overrides an earlier one. Each knows how to name where a value came from, so that a value breaking its
/// rule is reported against the flag, variable or file line the user wrote.
/// </summary>
public abstract class ServerSettingsSource : ConfigurationProvider, IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>How an error names <paramref name="option"/>'s value from this source ("--lateness / TOKENSIM_LATENESS", "server.yaml:2: lateness").</summary>
    public virtual string Label(ServerOption option) => $"{option.Flag} / {option.Env}";

    protected void Set(ServerOption option, string value) => Data[option.Key] = value;
}

/// <summary>The <c>TOKENSIM_*</c> variables of <see cref="ServerOptions"/>; other variables (TOKENSIM_DEBUG) are not settings.</summary>
public sealed class ServerVariablesSource(Func<string, string?> environment) : ServerSettingsSource
{
    public override void Load()
    {
        foreach (var option in ServerOptions.All)
            if (environment(option.Env) is { } value) Set(option, value);
    }
}

/// <summary>The command line's flags, already parsed (<see cref="ServerCommandLine.Flags"/>).</summary>
public sealed class ServerFlagsSource(IReadOnlyDictionary<ServerOption, string> flags) : ServerSettingsSource
{
    public override void Load()
    {
        foreach (var (option, value) in flags) Set(option, value);
    }
}
