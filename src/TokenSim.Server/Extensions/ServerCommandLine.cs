using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The server's settings from its three sources, each checked against <see cref="ServerOptions"/>: the <c>--config</c>
/// YAML file, then <c>TOKENSIM_*</c> variables over it, then flags over both (the last of a repeated flag wins).
/// </summary>
public static class ServerCommandLine
{
    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>
    /// Configuration keys (<see cref="ServerOption.Key"/>) to values, every one valid. Throws
    /// <see cref="ServerUsageException"/> for an unknown flag or key or a flag without its value, and
    /// <see cref="ArgumentException"/> for a value that breaks its option's rule, naming where it came from.
    /// </summary>
    public static Dictionary<string, string> Load(string[] args, Func<string, string?> environment)
    {
        var flags = Flags(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? file = flags.GetValueOrDefault(ServerOptions.Config) ?? environment(ServerOptions.Config.Env);
        if (!string.IsNullOrEmpty(file))
            foreach (var (option, (value, line)) in File(file))
                values[option.Key] = Checked(option, value, $"{file}:{line}: {option.Name}");
        foreach (var option in ServerOptions.All)
            if (environment(option.Env) is { } value) values[option.Key] = Checked(option, value);
        foreach (var (option, value) in flags) values[option.Key] = Checked(option, value);
        return values;
    }

    private static string Checked(ServerOption option, string value, string? label = null) =>
        option.Problem(value, label) is { } problem ? throw new ArgumentException(problem) : value;

    private static Dictionary<ServerOption, string> Flags(string[] args)
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
            else throw new ServerUsageException($"{option.Flag} needs a value ({option.Value}).");
        }
        return flags;
    }

    private static string Unknown(string what, string name, string prefix) =>
        ServerOptions.Closest(name) is { } near
            ? $"unknown {what}; did you mean {prefix}{near}? (--help lists them)"
            : $"unknown {what} (--help lists them).";

    /// <summary>The config file's settings with their lines; a flat mapping of option names to single values.</summary>
    private static List<(ServerOption Option, (string Value, long Line))> File(string path)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"--config / TOKENSIM_CONFIG: the file '{path}' does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--config / TOKENSIM_CONFIG: cannot read '{path}': {e.Message}", e);
        }
        catch (YamlException e)
        {
            throw new ArgumentException($"{path}:{e.Start.Line}: {e.Message}", e);
        }
        // YamlDotNet throws these, with no position, on some malformed input (a lone CR inside a flow mapping, a stray ': ').
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ArgumentException($"{path}: not valid YAML ({e.Message})", e);
        }
        var settings = new List<(ServerOption, (string, long))>();
        if (yaml.Documents.Count == 0) return settings;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new ArgumentException($"{path}:{yaml.Documents[0].RootNode.Start.Line}: the config file must be a mapping of settings (grpc-port: 7200).");
        foreach (var (k, v) in root.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? "";
            var option = ServerOptions.Find(key) ?? throw new ServerUsageException($"{path}:{k.Start.Line}: " + Unknown($"setting '{key}'", key.Replace('_', '-'), ""));
            if (option == ServerOptions.Config) throw new ArgumentException($"{path}:{k.Start.Line}: 'config' cannot name another config file.");
            if (v is not YamlScalarNode { Value: { } value })
                throw new ArgumentException($"{path}:{v.Start.Line}: '{key}' must be a single value (a list such as forecast-score-horizons is written 10,30,60).");
            settings.Add((option, (value, k.Start.Line)));
        }
        return settings;
    }
}
