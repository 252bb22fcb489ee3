using TokenSim.Core.Simulation;
using TokenSim.Core.Yaml;

namespace TokenSim.Cli.Commands;

/// <summary>
/// Reads a flat YAML mapping of option names (<c>max-num-seqs: 128</c> or <c>max_num_seqs: 128</c>) into settings,
/// naming the file, line and key of anything it cannot use.
/// </summary>
internal static class YamlConfig
{
    public static void Apply(string path, SimulateSettings s)
    {
        if (Read<YamlMap<YamlText>>(path) is not { } map) return;
        if (map.Shape != YamlShape.Mapping) throw NotAMapping(path);
        foreach (var (key, line, value) in map.Entries)
        {
            if (value.Shape != YamlShape.Scalar) throw new FormatException($"{path}:{line}: '{key}' must be a single value.");
            Set(s, key, value.Value, path, line);
        }
    }

    /// <summary>A config file through YamlDotNet into <typeparamref name="T"/>; null when it is empty. Errors name the file and line.</summary>
    public static T? Read<T>(string path) where T : YamlPositioned
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        return YamlRecords.Read<T>(path, (message, e) => new FormatException(message, e));
    }

    public static FormatException NotAMapping(string path) => new($"{path}: the config must be a mapping of option: value.");

    /// <summary>Sets one option by its name (<c>max-num-seqs</c> or <c>max_num_seqs</c>); errors name the file and line.</summary>
    public static void Set(SimulateSettings s, string name, string raw, string path, int line) => s.Set(name, raw, $"{path}:{line}");
}
