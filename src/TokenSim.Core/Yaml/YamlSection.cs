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
    private readonly List<string> _keys = [];

    /// <summary>The line of <paramref name="key"/> in the file, or the mapping's own line when the key is absent.</summary>
    public int LineOf(string key) => _keyLines.TryGetValue(key, out int line) ? line : Line;

    /// <summary>False when the key was already given: YAML mappings have unique keys.</summary>
    internal bool AddKey(string key, int line)
    {
        if (!_keyLines.TryAdd(key, line)) return false;
        _keys.Add(key);
        return true;
    }

    /// <summary>
    /// The keys the file gave, in file order, as <see cref="KeyOf"/> names them (those <see cref="UnknownKey"/> let
    /// through included): a file whose allowed keys depend on another key's value (a scenario event's kind) checks them here.
    /// </summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>
    /// The key as the record names it, from the key as written: a file that takes two spellings of a key
    /// (<c>min_replicas</c>, <c>min-replicas</c>) maps both to one here. The default takes the key as written.
    /// </summary>
    protected internal virtual string KeyOf(string written) => written;

    /// <summary>
    /// The error for a key the record lacks; <paramref name="known"/> lists its keys in declaration order. Null lets the
    /// key through, its value skipped, for the reader to judge from <see cref="Keys"/> once the whole mapping is read.
    /// </summary>
    protected internal abstract string? UnknownKey(string key, IReadOnlyList<string> known);
}
