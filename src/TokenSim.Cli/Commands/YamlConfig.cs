using YamlDotNet.Core;
using TokenSim.Core.Simulation;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Cli.Commands;

/// <summary>
/// Reads a flat YAML mapping of option names (<c>max-num-seqs: 128</c> or <c>max_num_seqs: 128</c>) into settings,
/// naming the file, line and key of anything it cannot use.
/// </summary>
internal static class YamlConfig
{
    public static void Apply(string path, SimulateSettings s)
    {
        if (Load(path) is not { } map) return;
        foreach (var (k, v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            int line = (int)k.Start.Line;
            if (v is not YamlScalarNode scalar) throw new FormatException($"{path}:{line}: '{key}' must be a single value.");
            Set(s, key, scalar.Value ?? "", path, line);
        }
    }

    /// <summary>Parses a YAML file whose root is a mapping; null when it is empty.</summary>
    public static YamlMappingNode? Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}:{e.Start.Line}: {e.Message}", e);
        }
        // YamlDotNet throws these, with no position, on some malformed input (a lone CR inside a flow mapping, a stray ': ').
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"{path}: not valid YAML ({e.Message})", e);
        }
        if (yaml.Documents.Count == 0) return null;
        return yaml.Documents[0].RootNode as YamlMappingNode ?? throw new FormatException($"{path}: the config must be a mapping of option: value.");
    }

    /// <summary>Sets one option by its name (<c>max-num-seqs</c> or <c>max_num_seqs</c>); errors name the file and line.</summary>
    public static void Set(SimulateSettings s, string name, string raw, string path, int line) => s.Set(name, raw, $"{path}:{line}");
}
