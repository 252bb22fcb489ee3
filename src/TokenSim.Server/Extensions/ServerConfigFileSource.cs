using TokenSim.Core.Yaml;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The <c>--config</c> YAML file: a flat mapping of option names (<c>grpc-port: 7200</c>, '_' for '-' allowed) to
/// single values, read through YamlDotNet's deserializer (<see cref="YamlRecords"/>). Its errors name the file and
/// line: an unknown key (<see cref="ServerUsageException"/>, with the nearest known one), a value that is not a
/// scalar, a file that cannot be read or parsed.
/// </summary>
public sealed class ServerConfigFileSource(string path) : ServerSettingsSource
{
    private readonly Dictionary<ServerOption, long> _lines = [];

    public override string Label(ServerOption option) => $"{path}:{_lines[option]}: {option.Name}";

    public override void Load()
    {
        YamlMap<YamlText>? root;
        try
        {
            root = YamlRecords.Read<YamlMap<YamlText>>(path, (message, e) => new ArgumentException(message, e));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"--config / TOKENSIM_CONFIG: the file '{path}' does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--config / TOKENSIM_CONFIG: cannot read '{path}': {e.Message}", e);
        }
        if (root is null) return;
        if (root.Shape != YamlShape.Mapping)
            throw new ArgumentException($"{path}:{root.Line}: the config file must be a mapping of settings (grpc-port: 7200).");
        foreach (var (key, line, value) in root.Entries)
        {
            var option = ServerOptions.Find(key)
                ?? throw new ServerUsageException($"{path}:{line}: " + ServerCommandLine.Unknown($"setting '{key}'", key.Replace('_', '-'), ""));
            if (option == ServerOptions.Config) throw new ArgumentException($"{path}:{line}: 'config' cannot name another config file.");
            if (value.Shape != YamlShape.Scalar)
                throw new ArgumentException($"{path}:{value.Line}: '{key}' must be a single value (a list such as forecast-score-horizons is written 10,30,60).");
            Set(option, value.Value);
            _lines[option] = line;
        }
    }
}
