using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Server.Extensions;

/// <summary>
/// The <c>--config</c> YAML file: a flat mapping of option names (<c>grpc-port: 7200</c>, '_' for '-' allowed) to
/// single values. Its errors name the file and line: an unknown key (<see cref="ServerUsageException"/>, with the
/// nearest known one), a value that is not a scalar, a file that cannot be read or parsed.
/// </summary>
public sealed class ServerConfigFileSource(string path) : ServerSettingsSource
{
    private readonly Dictionary<ServerOption, long> _lines = [];

    public override string Label(ServerOption option) => $"{path}:{_lines[option]}: {option.Name}";

    public override void Load()
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
        if (yaml.Documents.Count == 0) return;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new ArgumentException($"{path}:{yaml.Documents[0].RootNode.Start.Line}: the config file must be a mapping of settings (grpc-port: 7200).");
        foreach (var (k, v) in root.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? "";
            var option = ServerOptions.Find(key)
                ?? throw new ServerUsageException($"{path}:{k.Start.Line}: " + ServerCommandLine.Unknown($"setting '{key}'", key.Replace('_', '-'), ""));
            if (option == ServerOptions.Config) throw new ArgumentException($"{path}:{k.Start.Line}: 'config' cannot name another config file.");
            if (v is not YamlScalarNode { Value: { } value })
                throw new ArgumentException($"{path}:{v.Start.Line}: '{key}' must be a single value (a list such as forecast-score-horizons is written 10,30,60).");
            Set(option, value);
            _lines[option] = k.Start.Line;
        }
    }
}
