using TokenSim.Core.Yaml;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A scenario mapping's values by their '-' key, each with its key's line, as <see cref="ScenarioReader"/> reads them.
/// </summary>
internal readonly record struct ScenarioValues(YamlSection Section, Func<string, YamlText?> Get)
{
    /// <summary>The values of <paramref name="section"/>; a value that is not a scalar is refused at its line.</summary>
    public static ScenarioValues Of(YamlSection section, Func<string, YamlText?> get, string source)
    {
        foreach (string key in section.Keys)
            if (get(key) is { Shape: not YamlShape.Scalar } v)
                throw new FormatException($"{source}:{v.Line}: '{key}' must be a single value.");
        return new ScenarioValues(section, get);
    }

    public bool ContainsKey(string key) => Get(key) is not null;

    public bool TryGetValue(string key, out (string Value, int Line) value)
    {
        var text = Get(key);
        value = text is null ? default : (text.Value, Section.LineOf(key));
        return text is not null;
    }

    public (string Value, int Line) this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);
}
