namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's command line and its place among the configuration sources: the <c>--config</c> YAML file, then
/// <c>TOKENSIM_*</c> variables over it, then flags over both (the last of a repeated flag wins). Values are checked
/// against their rules when the settings are validated (<see cref="ServerSettingsValidator"/>); what is wrong with the
/// command line itself (an unknown flag, a flag without its value) is a <see cref="ServerUsageException"/> at once.
/// </summary>
public static class ServerCommandLine
{
    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>Adds the three sources to <paramref name="configuration"/>, in the order they override each other.</summary>
    public static IConfigurationBuilder AddTokenSimServer(this IConfigurationBuilder configuration, string[] args, Func<string, string?> environment)
    {
        var flags = Flags(args);
        string? file = flags.GetValueOrDefault(ServerOptions.Config) ?? environment(ServerOptions.Config.Env);
        if (!string.IsNullOrEmpty(file)) configuration.Add(new ServerConfigFileSource(file));
        configuration.Add(new ServerVariablesSource(environment));
        configuration.Add(new ServerFlagsSource(flags));
        return configuration;
    }

    /// <summary>The flags by option; throws <see cref="ServerUsageException"/> for an unknown flag or one without its value.</summary>
    public static Dictionary<ServerOption, string> Flags(string[] args)
    {
        var flags = new Dictionary<ServerOption, string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new ServerUsageException($"unexpected argument '{arg}': settings are flags such as --grpc-port 7100 (--help lists them).");
            int eq = arg.IndexOf('=');
            string name = eq < 0 ? arg[2..] : arg[2..eq];
            var option = ServerOptions.Find(name) ?? throw new ServerUsageException(Unknown($"flag '--{name}'", name, "--"));
            if (eq >= 0) flags[option] = arg[(eq + 1)..];
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) flags[option] = args[++i];
            // A switch: --demo alone means --demo true (its value, if given, is still taken above).
            else if (option.Value == "BOOL" && option == ServerOptions.Demo) flags[option] = "true";
            else throw new ServerUsageException($"{option.Flag} needs a value ({option.Value}).");
        }
        return flags;
    }

    internal static string Unknown(string what, string name, string prefix) =>
        ServerOptions.Closest(name) is { } near
            ? $"unknown {what}; did you mean {prefix}{near}? (--help lists them)"
            : $"unknown {what} (--help lists them).";
}
