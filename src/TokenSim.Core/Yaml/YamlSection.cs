using YamlDotNet.Serialization;

namespace TokenSim.Core.Yaml;

/// <summary>
/// A mapping with known keys, read into a record's properties (snake_case names, or <see cref="YamlMemberAttribute.Alias"/>),
/// each a <see cref="YamlPositioned"/>. A property the file leaves out stays null; a key the record does not have is
/// refused at its line with the message the record words (each file has its own: <see cref="UnknownKey"/>).
/// </summary>
public abstract record YamlSection : YamlPositioned
{
    private readonly Dictionary<string, int> _keyLines = new(StringComparer.Ordinal);

    /// <summary>The line of <paramref name="key"/> in the file, or the mapping's own line when the key is absent.</summary>
    public int LineOf(string key) => _keyLines.TryGetValue(key, out int line) ? line : Line;

    /// <summary>False when the key was already given: YAML mappings have unique keys.</summary>
    internal bool AddKey(string key, int line) => _keyLines.TryAdd(key, line);

    /// <summary>The error for a key the record lacks; <paramref name="known"/> lists its keys in declaration order.</summary>
    protected internal abstract string UnknownKey(string key, IReadOnlyList<string> known);
}
