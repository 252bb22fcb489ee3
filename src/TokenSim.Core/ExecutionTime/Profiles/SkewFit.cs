using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// LLMServingSim's decode-skew fit. A batch whose decodes have uneven KV lengths costs
/// t = t(mean KV) + α·(t(big KV) − t(mean KV)). α is looked up per bucket of prefill chunk, decode count, big fraction
/// ("skew rate"), big KV length and prefill KV (<c>skew_fit.csv</c>), falling back to the profile's fitted default
/// (<c>meta.yaml</c> <c>skew_fit.per_tp.N.alpha_default</c>). Bucket edges come from <c>meta.yaml</c>.
/// </summary>
/// <remarks>
/// A profile may have been taken without the skew pass (<c>skew_fit: enabled: false</c>, as the RTX 4090 profile was):
/// then there is no fit, whatever files lie beside it, and decodes cost t(mean KV).
/// </remarks>
public sealed class SkewFit
{
    private readonly Dictionary<(int Pc, string N, string Rate, string KvBig, string Kp), double> _alpha = [];
    private readonly int[] _pcGrid;
    private readonly (double[] Edges, string[] Labels) _n, _rate, _kvBig, _kp;

    private SkewFit(double alphaDefault, (double[], string[]) n, (double[], string[]) rate, (double[], string[]) kvBig, (double[], string[]) kp, int[] pcGrid)
    {
        AlphaDefault = alphaDefault;
        (_n, _rate, _kvBig, _kp, _pcGrid) = (n, rate, kvBig, kp, pcGrid);
    }

    public double AlphaDefault { get; }

    /// <summary>
    /// Reads the fit for <paramref name="tp"/> from a profile's dtype folder; null when the profile has none (no
    /// <c>meta.yaml</c>, no <c>skew_fit</c> section, the section disabled, or no <c>tp&lt;N&gt;/skew_fit.csv</c>).
    /// A fit that is declared but malformed is a <see cref="ProfileFormatException"/> naming the file and key.
    /// </summary>
    public static SkewFit? Read(string dtypeFolder, int tp)
    {
        string meta = Path.Combine(dtypeFolder, "meta.yaml"), table = Path.Combine(dtypeFolder, $"tp{tp}", "skew_fit.csv");
        if (!File.Exists(meta) || !File.Exists(table)) return null;
        var root = LoadRoot(meta);
        if (root is null || !root.Children.TryGetValue("skew_fit", out var fitNode)) return null;
        if (fitNode is not YamlMappingNode fit) throw new ProfileFormatException(meta, "skew_fit", "is not a mapping");
        if (fit.Children.TryGetValue("enabled", out var enabled) && !Bool(meta, "skew_fit.enabled", enabled)) return null;
        var axes = Mapping(meta, fit, "bucket_axes", "skew_fit");
        (double[], string[]) Axis(string bins, string labels)
        {
            var b = Sequence(meta, axes, bins, "skew_fit.bucket_axes").Select(x => Number(meta, $"skew_fit.bucket_axes.{bins}", x)).ToArray();
            var l = Sequence(meta, axes, labels, "skew_fit.bucket_axes").Select(x => Scalar(meta, $"skew_fit.bucket_axes.{labels}", x)).ToArray();
            if (b.Length < 2 || l.Length != b.Length - 1)
                throw new ProfileFormatException(meta, $"skew_fit.bucket_axes.{labels}", $"needs one label per bin of {bins} ({l.Length} labels, {b.Length} edges)");
            return (b, l);
        }
        var perTp = Mapping(meta, Mapping(meta, fit, "per_tp", "skew_fit"), tp.ToString(CultureInfo.InvariantCulture), "skew_fit.per_tp");
        string alphaKey = $"skew_fit.per_tp.{tp}.alpha_default";
        double alphaDefault = perTp.Children.TryGetValue("alpha_default", out var a0) ? Number(meta, alphaKey, a0)
            : throw new ProfileFormatException(meta, alphaKey, "is missing");
        var csv = CsvTable.Read(table);
        int pc = csv.Column("pc"), n = csv.Column("n_label"), sr = csv.Column("skew_rate_label"), kb = csv.Column("kv_big_label"), kp = csv.Column("kp_label"), a = csv.Column("alpha");
        var fitTable = new SkewFit(alphaDefault, Axis("n_bins", "n_labels"), Axis("skew_rate_bins", "skew_rate_labels"), Axis("kv_big_bins", "kv_big_labels"), Axis("kp_bins", "kp_labels"),
            csv.Rows.Select(r => (int)csv.Number(r.Line, r.Cells, pc)).Distinct().Order().ToArray());
        foreach (var (line, cells) in csv.Rows)
            fitTable._alpha[((int)csv.Number(line, cells, pc), cells[n].Trim(), cells[sr].Trim(), cells[kb].Trim(), cells[kp].Trim())] = csv.Number(line, cells, a);
        return fitTable;
    }

    /// <summary>α for a batch; the default where the fit has no bucket for it.</summary>
    public double Alpha(double prefillChunk, double decodes, double bigFraction, double kvBig, double kvPrefill)
    {
        int pc = _pcGrid.Length == 0 ? 0 : _pcGrid.MinBy(g => Math.Abs(g - prefillChunk));
        var key = (pc, Label(_n, decodes), Label(_rate, bigFraction), Label(_kvBig, kvBig), Label(_kp, kvPrefill));
        return _alpha.TryGetValue(key, out var alpha) ? alpha : AlphaDefault;
    }

    /// <summary>The label of the bin (lo, hi] holding <paramref name="x"/>, as pandas.cut with right-closed bins.</summary>
    private static string Label((double[] Edges, string[] Labels) axis, double x)
    {
        for (int i = 0; i < axis.Labels.Length; i++)
            if (x > axis.Edges[i] && x <= axis.Edges[i + 1]) return axis.Labels[i];
        return x <= axis.Edges[0] ? axis.Labels[0] : axis.Labels[^1];
    }

    private static YamlMappingNode? LoadRoot(string meta)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(meta);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ProfileFormatException(meta, null, $"not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        // YamlDotNet throws these, with no position, on some malformed input (a lone CR inside a flow mapping, a stray ': ').
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ProfileFormatException(meta, null, $"not valid YAML ({e.Message})");
        }
        if (yaml.Documents.Count == 0) return null;
        return yaml.Documents[0].RootNode as YamlMappingNode ?? throw new ProfileFormatException(meta, null, "the document is not a mapping");
    }

    private static YamlMappingNode Mapping(string meta, YamlMappingNode parent, string key, string path) =>
        !parent.Children.TryGetValue(key, out var node) ? throw new ProfileFormatException(meta, $"{path}.{key}", "is missing")
        : node as YamlMappingNode ?? throw new ProfileFormatException(meta, $"{path}.{key}", "is not a mapping");

    private static YamlSequenceNode Sequence(string meta, YamlMappingNode parent, string key, string path) =>
        !parent.Children.TryGetValue(key, out var node) ? throw new ProfileFormatException(meta, $"{path}.{key}", "is missing")
        : node as YamlSequenceNode ?? throw new ProfileFormatException(meta, $"{path}.{key}", "is not a list");

    private static string Scalar(string meta, string field, YamlNode node) =>
        (node as YamlScalarNode)?.Value ?? throw new ProfileFormatException(meta, field, "holds something that is not a plain value");

    private static double Number(string meta, string field, YamlNode node)
    {
        var raw = Scalar(meta, field, node);
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new ProfileFormatException(meta, field, $"'{raw}' is not a number");
    }

    private static bool Bool(string meta, string field, YamlNode node) => Scalar(meta, field, node).ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var raw => throw new ProfileFormatException(meta, field, $"'{raw}' is not true or false"),
    };
}
