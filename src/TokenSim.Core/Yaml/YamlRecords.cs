using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace TokenSim.Core.Yaml;

/// <summary>
/// Reads a config file into <see cref="YamlSection"/> records through YamlDotNet's deserializer; every error names
/// the file and, where YAML gives one, the line.
/// </summary>
public static class YamlRecords
{
    // Built on first use: the CLI reads a config only when given one.
    private static readonly Lazy<IDeserializer> Deserializer = new(() => new DeserializerBuilder()
        .WithNodeDeserializer(new YamlRecordDeserializer(), where => where.OnTop())
        .Build());

    /// <summary>
    /// The file's first document as <typeparamref name="T"/>, null when the file holds none; its root may be of any
    /// shape (<see cref="YamlPositioned.Shape"/> says which). Errors come out of <paramref name="error"/>, given the
    /// message (<c>FILE:LINE: …</c>) and the YamlDotNet exception.
    /// </summary>
    public static T? Read<T>(string path, Func<string, Exception, Exception> error) where T : YamlPositioned =>
        Deserialize<T>(() => File.ReadAllText(path), path, error);

    /// <summary>
    /// As <see cref="Read{T}"/>, from text already in hand (a scenario sent over gRPC); <paramref name="source"/> names
    /// it in errors where a file's path would.
    /// </summary>
    public static T? Parse<T>(string text, string source, Func<string, Exception, Exception> error) where T : YamlPositioned =>
        Deserialize<T>(() => text, source, error);

    private static T? Deserialize<T>(Func<string> read, string path, Func<string, Exception, Exception> error) where T : YamlPositioned
    {
        try
        {
            string text = read();
            // The whole stream first, as the node model did: a syntax error anywhere, in a later document too, is
            // the error to report, before a key the record lacks.
            var scan = new Parser(new StringReader(text));
            while (scan.MoveNext()) { }
            var parser = new Parser(new StringReader(text));
            // Only the first document is the config; consuming the stream's start ourselves lets the deserializer
            // stop after it instead of expecting the stream to end there.
            parser.Consume<StreamStart>();
            return parser.Accept<StreamEnd>(out _) ? null : Deserializer.Value.Deserialize<T?>(parser);
        }
        // YamlDotNet's scanner throws these, with no position, on some malformed input (a lone CR inside a flow
        // mapping, a stray ': ').
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw error($"{path}: not valid YAML ({e.Message})", e);
        }
        catch (YamlException e)
        {
            // A value the deserializer could not store (a YAML tag naming another type) comes wrapped, with the line.
            throw error($"{path}:{e.Start.Line}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }
}
