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
    // Built once, on first use: a process that reads no YAML does not pay for it.
    private static readonly Lazy<IDeserializer> Deserializer = new(() =>
    {
        var records = new YamlRecordDeserializer();
        return new DeserializerBuilder()
            .WithNodeTypeResolver(records, where => where.OnTop())
            .WithNodeDeserializer(records, where => where.OnTop())
            .Build();
    });

    /// <summary>
    /// The file's first document as <typeparamref name="T"/>, null when the file holds none; its root may be of any
    /// shape (<see cref="YamlPositioned.Shape"/> says which). Errors come out of <paramref name="error"/>, given the
    /// message (<c>FILE:LINE: …</c>) and the YamlDotNet exception. <paramref name="at"/> words the place of a YAML
    /// error instead (the hardware catalog's <c>FILE: line 3, column 5: </c>); by default <c>FILE:LINE: </c>.
    /// </summary>
    public static T? Read<T>(string path, Func<string, Exception, Exception> error, Func<Mark, string>? at = null) where T : YamlPositioned =>
        Deserialize<T>(() => File.ReadAllText(path), path, error, at);

    /// <summary>
    /// As <see cref="Read{T}"/>, from text already in hand (a scenario sent over gRPC, an embedded file);
    /// <paramref name="source"/> names it in errors where a file's path would.
    /// </summary>
    public static T? Parse<T>(string text, string source, Func<string, Exception, Exception> error, Func<Mark, string>? at = null) where T : YamlPositioned =>
        Deserialize<T>(() => text, source, error, at, wholeStreamFirst: true);

    /// <summary>
    /// As <see cref="Parse{T}(string, string, Func{string, Exception, Exception}, Func{Mark, string}?)"/>;
    /// <paramref name="wholeStreamFirst"/> false skips the pass over the whole stream that finds a syntax error or a
    /// dangling alias before the first document is read. Only for text this assembly embeds (the hardware catalog,
    /// 42 kB read at every CLI start): its tests read it, so that pass could find nothing, and it is a second
    /// tokenisation of the file.
    /// </summary>
    internal static T? Parse<T>(string text, string source, Func<string, Exception, Exception> error, Func<Mark, string>? at, bool wholeStreamFirst) where T : YamlPositioned =>
        Deserialize<T>(() => text, source, error, at, wholeStreamFirst);

    private static T? Deserialize<T>(Func<string> read, string path, Func<string, Exception, Exception> error, Func<Mark, string>? at, bool wholeStreamFirst = true) where T : YamlPositioned
    {
        try
        {
            string text = read();
            if (wholeStreamFirst) ScanWholeStream(text);
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
            // What a node deserializer throws comes wrapped, with the node's place.
            string place = at?.Invoke(e.Start) ?? $"{path}:{e.Start.Line}: ";
            throw error(place + (e.InnerException?.Message ?? e.Message), e);
        }
    }

    /// <summary>
    /// The whole stream first, as the node model did: a syntax error anywhere, in a later document too, is the error
    /// to report, before a key the record lacks.
    /// </summary>
    private static void ScanWholeStream(string text)
    {
        var scan = new Parser(new StringReader(text));
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        while (scan.MoveNext())
        {
            switch (scan.Current)
            {
                case DocumentStart: anchors.Clear(); break;
                // The node model's error for an alias to no anchor, in any document; here at the alias, not at
                // line 1, column 1 as it said (YamlDotNet's deserializer words it "Alias $x cannot precede…").
                case AnchorAlias alias when !anchors.Contains(alias.Value.Value):
                    throw new YamlException(alias.Start, alias.End, $"The anchor '{alias.Value}' does not exists");
                case NodeEvent { Anchor.IsEmpty: false } node: anchors.Add(node.Anchor.Value); break;
            }
        }
    }
}
