using YamlDotNet.Serialization;

namespace TokenSim.Core.Yaml;

/// <summary>What a node of a YAML file was: a record's field keeps it, so a reader can refuse a wrong shape by name.</summary>
public enum YamlShape
{
    Scalar,
    Mapping,
    Sequence,
}

/// <summary>
/// A node of a config file read by <see cref="YamlRecords"/>: the line it starts on and its shape. A field whose
/// node has the wrong shape is read all the same, with <see cref="Shape"/> saying what the file held, so the reader
/// names the field in its own words (<c>'scrape' must be a mapping.</c>) instead of YamlDotNet naming a .NET type.
/// </summary>
public abstract record YamlPositioned
{
    /// <summary>1-based, as editors count.</summary>
    [YamlIgnore] public int Line { get; internal set; }

    [YamlIgnore] public YamlShape Shape { get; internal set; }

    /// <summary>The text when the file held a scalar here (whatever the type expected), else null.</summary>
    [YamlIgnore] public string? Text { get; internal set; }
}

/// <summary>A scalar, as written (<c>""</c> for an empty value, <c>"~"</c> for a tilde: no YAML null or type rules apply).</summary>
public sealed record YamlText : YamlPositioned
{
    /// <summary>The text; <c>""</c> when the node was not a scalar.</summary>
    [YamlIgnore] public string Value => Text ?? "";
}

/// <summary>
/// A list. A lone scalar where a list of <see cref="YamlText"/> was expected is kept as one item with
/// <see cref="YamlPositioned.Shape"/> <see cref="YamlShape.Scalar"/>: a reader takes it as a list of one or refuses it.
/// </summary>
public sealed record YamlList<T> : YamlPositioned, IYamlCollection where T : YamlPositioned
{
    private readonly List<T> _items = [];

    [YamlIgnore] public IReadOnlyList<T> Items => _items;

    Type IYamlCollection.ItemType => typeof(T);
    void IYamlCollection.Add(string? key, int keyLine, object item) => _items.Add((T)item);
}

/// <summary>A mapping whose keys are data (option names, GPU names), in file order, each key with its line.</summary>
public sealed record YamlMap<T> : YamlPositioned, IYamlCollection where T : YamlPositioned
{
    private readonly List<YamlEntry<T>> _entries = [];

    [YamlIgnore] public IReadOnlyList<YamlEntry<T>> Entries => _entries;

    Type IYamlCollection.ItemType => typeof(T);
    void IYamlCollection.Add(string? key, int keyLine, object item) => _entries.Add(new YamlEntry<T>(key!, keyLine, (T)item));
}

/// <summary>One entry of a <see cref="YamlMap{T}"/>: the key, its line and the value.</summary>
public readonly record struct YamlEntry<T>(string Key, int Line, T Value);

/// <summary>What <see cref="YamlRecordDeserializer"/> fills in a list or a map.</summary>
internal interface IYamlCollection
{
    Type ItemType { get; }
    void Add(string? key, int keyLine, object item);
}
