using System.Collections.Concurrent;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TokenSim.Core.Yaml;

/// <summary>
/// Reads <see cref="YamlPositioned"/> types for YamlDotNet's deserializer, recording each node's start mark and
/// shape: records' fields by key (with each key's line), lists, maps with data keys, and scalars as written.
/// </summary>
internal sealed class YamlRecordDeserializer : INodeDeserializer
{
    private sealed record Field(string Key, PropertyInfo Property);

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
                    var key = parser.Consume<Scalar>();
                    string name = section.KeyOf(key.Value);
                    var field = Array.Find(fields, f => f.Key == name);
                    if (field is null && section.UnknownKey(name, [.. fields.Select(f => f.Key)]) is { } unknown)
                        throw new YamlException(key.Start, key.End, unknown);
                    Unique(section.AddKey(name, (int)key.Start.Line), key);
                    if (field is null)
                    {
                        parser.SkipThisAndNestedEvents();
                        continue;
                    }
                    field.Property.SetValue(section, nestedObjectDeserializer(parser, field.Property.PropertyType));
                }
                break;
            case IYamlCollection map when node.Shape == YamlShape.Mapping && expectedType.GetGenericTypeDefinition() == typeof(YamlMap<>):
                parser.Consume<MappingStart>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = parser.Consume<Scalar>();
                    Unique(keys.Add(key.Value), key);
                    map.Add(key.Value, (int)key.Start.Line, nestedObjectDeserializer(parser, map.ItemType)!);
                }
                break;
            case IYamlCollection list when node.Shape == YamlShape.Sequence && expectedType.GetGenericTypeDefinition() == typeof(YamlList<>):
                parser.Consume<SequenceStart>();
                while (!parser.TryConsume<SequenceEnd>(out _)) list.Add(null, 0, nestedObjectDeserializer(parser, list.ItemType)!);
                break;
            case IYamlCollection list when node.Shape == YamlShape.Scalar && list.ItemType == typeof(YamlText) && expectedType.GetGenericTypeDefinition() == typeof(YamlList<>):
                list.Add(null, 0, nestedObjectDeserializer(parser, typeof(YamlText))!);
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

    /// <summary>The same error YamlDotNet's node model gives a repeated key.</summary>
    private static void Unique(bool added, Scalar key)
    {
        if (!added) throw new YamlException(key.Start, key.End, $"Duplicate key {key.Value}");
    }

    private static Field[] FieldsOf(Type type) =>
    [
        .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => typeof(YamlPositioned).IsAssignableFrom(p.PropertyType) && p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<YamlIgnoreAttribute>() is null)
            .OrderBy(p => p.MetadataToken) // declaration order: the order errors list the known keys in
            .Select(p => new Field(p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? UnderscoredNamingConvention.Instance.Apply(p.Name), p)),
    ];
}
