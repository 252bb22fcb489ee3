using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenSim.Emulator.Tests;

/// <summary>
/// A strict reader of Prometheus text format 0.0.4, enough to check an exposition: every sample belongs to a family
/// declared once with HELP and TYPE, label sets parse, values are floats.
/// </summary>
internal sealed partial class PrometheusExposition
{
    public readonly Dictionary<string, string> Types = [];
    public readonly List<(string Name, Dictionary<string, string> Labels, double Value)> Samples = [];

    public static PrometheusExposition Parse(string text)
    {
        var e = new PrometheusExposition();
        string? family = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) { family = line.Split(' ')[2]; continue; }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(family, parts[2]);
                Assert.True(e.Types.TryAdd(parts[2], parts[3]), $"TYPE declared twice for {parts[2]}");
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            string name = m.Groups["name"].Value;
            Assert.NotNull(family);
            string type = e.Types[family!];
            bool belongs = type == "histogram"
                ? name is var n && (n == family + "_bucket" || n == family + "_count" || n == family + "_sum")
                : name == family;
            Assert.True(belongs, $"sample {name} is not in family {family} ({type})");
            var labels = new Dictionary<string, string>();
            foreach (Match l in LabelPair().Matches(m.Groups["labels"].Value))
                Assert.True(labels.TryAdd(l.Groups[1].Value, l.Groups[2].Value.Replace("\\\"", "\"").Replace("\\\\", "\\")), $"label repeated in {line}");
            string v = m.Groups["value"].Value;
            double value = v == "+Inf" ? double.PositiveInfinity : double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
            e.Samples.Add((name, labels, value));
        }
        return e;
    }

    public IEnumerable<(Dictionary<string, string> Labels, double Value)> Get(string name) =>
        Samples.Where(s => s.Name == name).Select(s => (s.Labels, s.Value));

    public double Value(string name, params (string Key, string Value)[] labels) =>
        Get(name).Single(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Value;

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
