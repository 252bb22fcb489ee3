using System.Collections.Concurrent;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace TokenSim.Core.Yaml;

/// <summary>
/// Reads <see cref="YamlPositioned"/> types for YamlDotNet's deserializer, recording each node's start mark and
/// shape: records' fields by key (with each key's line), lists, maps with data keys, and scalars as written.
/// As its type resolver it keeps a record's type whatever tag the node carries (<c>!!int 7200</c>): the node model
/// the readers were written against ignored tags, and a tag naming a .NET type must not turn a field into an error.
/// </summary>
internal sealed class YamlRecordDeserializer : INodeDeserializer, INodeTypeResolver
{
    public bool Resolve(NodeEvent? nodeEvent, ref Type currentType) => typeof(YamlPositioned).IsAssignableFrom(currentType);

    private sealed record Field(string Key, Type Type, Action<object, object> Set);

    private static readonly ConcurrentDictionary<Type, Field[]> Fields = new();

    public bool Deserialize(IParser parser, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
    {
        value = null;
        if (!typeof(YamlPositioned).IsAssignableFrom(expectedType) || parser.Current is not NodeEvent start) return false;
        var node = (YamlPositioned)Activator.CreateInstance(expectedType)!;
        node.Line = (int)start.Start.Line;
        node.Shape = start switch { MappingStart => YamlShape.Mapping, SequenceStart => YamlShape.Sequence, _ => YamlShape.Scalar };
        switch (node)
        {
            case YamlSection section when parser.TryConsume<MappingStart>(out _):
                var fields = Fields.GetOrAdd(expectedType, FieldsOf);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = Key(parser);
                    string name = section.KeyOf(key.Value);
                    var field = Array.Find(fields, f => f.Key == name);
                    if (field is null && section.UnknownKey(name, [.. fields.Select(f => f.Key)]) is { } unknown)
                        throw new YamlException(key.Start, key.End, unknown);
                    Unique(section.AddKey(name, (int)key.Start.Line) || !key.IsScalar, key);
                    if (field is null)
                    {
                        parser.SkipThisAndNestedEvents();
                        continue;
                    }
                    field.Set(section, Nested(parser, field.Type, nestedObjectDeserializer));
                }
                break;
            case IYamlCollection map when node.Shape == YamlShape.Mapping && expectedType.GetGenericTypeDefinition() == typeof(YamlMap<>):
                parser.Consume<MappingStart>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = Key(parser);
                    Unique(keys.Add(key.Value) || !key.IsScalar, key);
                    map.Add(key.Value, (int)key.Start.Line, Nested(parser, map.ItemType, nestedObjectDeserializer));
                }
                break;
            case IYamlCollection list when node.Shape == YamlShape.Sequence && expectedType.GetGenericTypeDefinition() == typeof(YamlList<>):
                parser.Consume<SequenceStart>();
                while (!parser.TryConsume<SequenceEnd>(out _)) list.Add(null, 0, Nested(parser, list.ItemType, nestedObjectDeserializer));
                break;
            case IYamlCollection list when node.Shape == YamlShape.Scalar && list.ItemType == typeof(YamlText) && expectedType.GetGenericTypeDefinition() == typeof(YamlList<>):
                list.Add(null, 0, Nested(parser, typeof(YamlText), nestedObjectDeserializer));
                break;
            case not null when parser.Current is Scalar:
                node.Text = parser.Consume<Scalar>().Value;
                break;
            default:
                // Another shape than the type's: kept as Shape for the reader to refuse by the field's name.
                parser.SkipThisAndNestedEvents();
                break;
        }
        value = node;
        return true;
    }

    /// <summary>A mapping's key: its text, or <c>""</c> for a list or mapping used as a key (<c>? [a]</c>).</summary>
    private readonly record struct MappingKey(string Value, Mark Start, Mark End, bool IsScalar);

    /// <summary>
    /// The key at the parser. A key that is not a scalar is read as <c>""</c>, as the node-model readers named it, so
    /// that the record refuses it as an unknown key at its line.
    /// </summary>
    private static MappingKey Key(IParser parser)
    {
        if (parser.TryConsume<Scalar>(out var scalar)) return new(scalar.Value, scalar.Start, scalar.End, true);
        var start = parser.Current!;
        parser.SkipThisAndNestedEvents();
        return new("", start.Start, start.End, false);
    }

    /// <summary>
    /// A nested node as <paramref name="type"/>. An alias gives the node its anchor was read as, which may be another
    /// record type (an alias to a list where a value goes): it is then a node of this type with the anchor's line and
    /// shape, for the reader to refuse as the wrong shape, as the node model's readers did.
    /// </summary>
    private static object Nested(IParser parser, Type type, Func<IParser, Type, object?> nestedObjectDeserializer)
    {
        var value = nestedObjectDeserializer(parser, type);
        if (type.IsInstanceOfType(value)) return value!;
        var node = (YamlPositioned)Activator.CreateInstance(type)!;
        if (value is YamlPositioned anchored) (node.Line, node.Shape, node.Text) = (anchored.Line, anchored.Shape, anchored.Text);
        return node;
    }

    /// <summary>The same error YamlDotNet's node model gives a repeated key.</summary>
    private static void Unique(bool added, MappingKey key)
    {
        if (!added) throw new YamlException(key.Start, key.End, $"Duplicate key {key.Value}");
    }

    private static Field[] FieldsOf(Type type) =>
    [
        .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => typeof(YamlPositioned).IsAssignableFrom(p.PropertyType) && p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<YamlIgnoreAttribute>() is null)
            .OrderBy(p => p.MetadataToken) // declaration order: the order errors list the known keys in
            .Select(p => new Field(p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? Underscored(p.Name), p.PropertyType, Setter(p))),
    ];

    /// <summary>
    /// <c>MemoryBytesPerS</c> → <c>memory_bytes_per_s</c>: YamlDotNet's <c>UnderscoredNamingConvention</c> for a
    /// property name (letters and digits), without the regular expressions it builds, which cost a few milliseconds
    /// of every CLI start now that the hardware catalog is read through here.
    /// </summary>
    internal static string Underscored(string name) =>
        string.Concat(name.Select((c, i) => char.IsAsciiLetterUpper(c) ? (i == 0 ? "" : "_") + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>
    /// The property's setter as a delegate, made once per property: <c>PropertyInfo.SetValue</c> compiles a stub per
    /// property on its second call, a JIT cost paid at every CLI start for the catalog's fields.
    /// </summary>
    private static Action<object, object> Setter(PropertyInfo property) =>
        (Action<object, object>)TypedSetterMethod.MakeGenericMethod(property.DeclaringType!, property.PropertyType).Invoke(null, [property.SetMethod])!;

    private static readonly MethodInfo TypedSetterMethod = typeof(YamlRecordDeserializer).GetMethod(nameof(TypedSetter), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static Action<object, object> TypedSetter<TRecord, TValue>(MethodInfo set)
    {
        var typed = set.CreateDelegate<Action<TRecord, TValue>>();
        return (record, value) => typed((TRecord)record, (TValue)value);
    }
}
