using YamlDotNet.Core;
using TokenSim.Core.Yaml;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// A mapping of a profile's <c>meta.yaml</c> as YamlDotNet reads it (<see cref="YamlRecords"/>). The profilers write
/// many keys the simulator does not use (<c>engine_effective</c>, <c>attention_grid</c>, <c>cuda_graphs</c>…): a key a
/// record lacks is skipped, never refused.
/// </summary>
internal abstract record ProfileMetaYaml : YamlSection
{
    protected internal override string? UnknownKey(string key, IReadOnlyList<string> known) => null;

    /// <summary>
    /// The file's first document as <typeparamref name="T"/> (null when it holds none); a YAML error is a
    /// <see cref="ProfileFormatException"/> in the words the node-model readers used.
    /// </summary>
    internal static T? Read<T>(string meta) where T : ProfileMetaYaml =>
        YamlRecords.Read<T>(meta, (message, e) => e is YamlException yaml
            ? new ProfileFormatException(meta, null, $"not valid YAML at line {yaml.Start.Line}: {message}")
            // YamlDotNet throws these, with no position, on some malformed input (a lone CR inside a flow mapping, a stray ': ').
            : new ProfileFormatException(meta, null, $"not valid YAML ({e.Message})"), _ => "");

    /// <summary>The text of a scalar field; null when the file left it out or put a list or mapping there.</summary>
    internal static string? Scalar(YamlPositioned? node) => node is { Shape: YamlShape.Scalar } ? node.Text ?? "" : null;
}
