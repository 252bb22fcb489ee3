using TokenSim.Core.Yaml;
using YamlDotNet.Serialization;

namespace TokenSim.Core.Tests;

/// <summary>
/// Config files through YamlDotNet's deserializer into records: the lines and shapes readers name in errors, keys a
/// record lacks refused in its words, and the node model's rules kept (repeated keys, syntax errors anywhere first).
/// </summary>
public sealed class YamlRecordsTests
{
    private sealed record Root : YamlSection
    {
        public YamlText? Name { get; init; }
        public YamlList<YamlText>? Sizes { get; init; }
        public YamlMap<YamlText>? Prices { get; init; }
        public Child? Child { get; init; }
        [YamlMember(Alias = "openai")] public YamlText? OpenAi { get; init; }

        protected internal override string UnknownKey(string key, IReadOnlyList<string> known) => $"no '{key}' here ({string.Join(", ", known)})";
    }

    private sealed record Child : YamlSection
    {
        public YamlText? WindowS { get; init; }

        protected internal override string UnknownKey(string key, IReadOnlyList<string> known) => $"child has no '{key}'";
    }

    private static string Write(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"yaml-records-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Root? Read(string path) => YamlRecords.Read<Root>(path, (message, e) => new FormatException(message, e));

    private static string Error(string yaml)
    {
        var path = Write(yaml);
        var e = Assert.Throws<FormatException>(() => Read(path));
        Assert.StartsWith(path, e.Message);
        return e.Message[path.Length..];
    }

    [Fact]
    public void Values_KeepTheirLinesAndShapes_KeysTheirLines()
    {
        var r = Read(Write("# a comment\nname: ~\nsizes:\n  - 1\n  - [2]\nprices: {a100: 1.8, h100: 3.2}\nchild:\n  window_s: 60\nopenai: http://x/\n"))!;
        Assert.Equal((YamlShape.Mapping, 2), (r.Shape, r.Line));
        Assert.Equal(("~", 2, YamlShape.Scalar), (r.Name!.Value, r.Name.Line, r.Name.Shape));
        Assert.Equal(3, r.LineOf("sizes"));
        Assert.Equal([(4, YamlShape.Scalar, "1"), (5, YamlShape.Sequence, "")], r.Sizes!.Items.Select(i => (i.Line, i.Shape, i.Value)));
        Assert.Equal([("a100", 6, "1.8"), ("h100", 6, "3.2")], r.Prices!.Entries.Select(e => (e.Key, e.Line, e.Value.Value)));
        // A mapping's own line is its first key's; the key that holds it is a line above.
        Assert.Equal((7, 8, 8), (r.LineOf("child"), r.Child!.Line, r.Child.LineOf("window_s")));
        Assert.Equal("http://x/", r.OpenAi!.Value);
        Assert.Equal(r.Line, r.LineOf("absent"));
    }

    [Fact]
    public void WrongShapes_AreKept_ForTheReaderToRefuseByName()
    {
        var r = Read(Write("name: [a]\nsizes: 4\nprices: cheap\nchild: [1]\n"))!;
        Assert.Equal((YamlShape.Sequence, ""), (r.Name!.Shape, r.Name.Value));
        // A lone value where a list of values goes is a list of one, marked as a scalar.
        Assert.Equal((YamlShape.Scalar, "4"), (r.Sizes!.Shape, Assert.Single(r.Sizes.Items).Value));
        Assert.Equal((YamlShape.Scalar, "cheap"), (r.Prices!.Shape, r.Prices.Text));
        Assert.Empty(r.Prices.Entries);
        Assert.Equal((YamlShape.Sequence, 4), (r.Child!.Shape, r.Child.Line));
    }

    [Fact]
    public void EmptyFile_IsNull_AScalarRootIsKept()
    {
        Assert.Null(Read(Write("# nothing\n")));
        Assert.Equal((YamlShape.Scalar, "hello"), (Read(Write("hello\n"))!.Shape, Read(Write("hello\n"))!.Text));
    }

    [Theory]
    [InlineData("name: a\nsize: 1\n", ":2: no 'size' here (name, sizes, prices, child, openai)")]
    [InlineData("child: {window_s: 1, window: 2}\n", ":1: child has no 'window'")]
    [InlineData("name: a\nname: b\n", ":2: Duplicate key name")]
    [InlineData("prices:\n  a: 1\n  a: 2\n", ":3: Duplicate key a")]
    // The whole stream is read first, as the node model did: a syntax error later in the file comes before an unknown key.
    [InlineData("bad: 1\nsizes: [1\n", ":3: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("name: a\n---\nname: [\n", ":4: While parsing a node, did not find expected node content.")]
    public void BadFile_NamesTheLine(string yaml, string expected) => Assert.Equal(expected, Error(yaml));

    [Fact]
    public void Tags_AreIgnored_AsTheNodeModelIgnoredThem()
    {
        // A tag naming a type (!!int) or an unknown one (!gpu) must not turn a value into a .NET conversion error.
        var r = Read(Write("name: !!int 5\nsizes: !gpu [1]\nchild: !!map {window_s: !!float 60}\n"))!;
        Assert.Equal(("5", "1", "60"), (r.Name!.Value, Assert.Single(r.Sizes!.Items).Value, r.Child!.WindowS!.Value));
    }

    [Fact]
    public void AnAlias_IsItsAnchorsValue_AndOfAnotherShape_IsKeptAsThatShapeAtTheAnchorsLine()
    {
        var r = Read(Write("sizes: &s [1, 2]\nprices: {a: &p 3}\nname: *p\nchild: *s\n"))!;
        Assert.Equal(("3", 2), (r.Name!.Value, r.Name.Line));
        Assert.Equal((YamlShape.Sequence, 1), (r.Child!.Shape, r.Child.Line));
    }

    [Fact]
    public void AKeyThatIsAListOrAMapping_IsTheEmptyKey_RefusedAsUnknown()
    {
        Assert.Equal(":2: no '' here (name, sizes, prices, child, openai)", Error("name: a\n? [b]\n: 1\n"));
        var r = Read(Write("prices:\n  ? {a: 1}\n  : 2\n"))!;
        Assert.Equal([("", 2, "2")], r.Prices!.Entries.Select(e => (e.Key, e.Line, e.Value.Value)));
    }

    [Fact]
    public void KeyNames_AreYamlDotNetsUnderscoredNames()
    {
        string[] names = [.. typeof(YamlSection).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(YamlSection))).SelectMany(t => t.GetProperties()).Select(p => p.Name), "L2BandwidthBytesPerS", "X", "TtftS"];
        Assert.Contains("MemoryBandwidthBytesPerS", names);
        foreach (var name in names) Assert.Equal(YamlDotNet.Serialization.NamingConventions.UnderscoredNamingConvention.Instance.Apply(name), YamlRecordDeserializer.Underscored(name));
    }

    [Fact]
    public void OnlyTheFirstDocument_IsTheConfig()
    {
        var r = Read(Write("name: a\n---\nname: b\nother: 1\n"))!;
        Assert.Equal("a", r.Name!.Value);
    }

    [Fact]
    public void LoneCarriageReturnInAFlowMapping_IsNotValidYaml_NamingTheFile()
    {
        // YamlDotNet's scanner throws InvalidOperationException here, with no position.
        Assert.StartsWith(": not valid YAML (", Error("child: {window_s: 1\r5}\n"));
    }
}
