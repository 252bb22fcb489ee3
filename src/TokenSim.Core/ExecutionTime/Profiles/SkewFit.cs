using System.Globalization;
using TokenSim.Core.Yaml;

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
        var root = ProfileMetaYaml.Read<SkewFitYaml>(meta);
        if (root is null) return null;
        if (root.Shape != YamlShape.Mapping) throw new ProfileFormatException(meta, null, "the document is not a mapping");
        if (root.SkewFit is not { } fit) return null;
        if (fit.Shape != YamlShape.Mapping) throw new ProfileFormatException(meta, "skew_fit", "is not a mapping");
        if (fit.Enabled is { } enabled && !Bool(meta, "skew_fit.enabled", enabled)) return null;
        var axes = Mapping(meta, fit.BucketAxes, "skew_fit.bucket_axes");
        (double[], string[]) Axis(string bins, YamlList<YamlText>? binList, string labels, YamlList<YamlText>? labelList)
        {
            var b = Sequence(meta, binList, $"skew_fit.bucket_axes.{bins}").Select(x => Number(meta, $"skew_fit.bucket_axes.{bins}", x)).ToArray();
            var l = Sequence(meta, labelList, $"skew_fit.bucket_axes.{labels}").Select(x => Scalar(meta, $"skew_fit.bucket_axes.{labels}", x)).ToArray();
            if (b.Length < 2 || l.Length != b.Length - 1)
                throw new ProfileFormatException(meta, $"skew_fit.bucket_axes.{labels}", $"needs one label per bin of {bins} ({l.Length} labels, {b.Length} edges)");
            return (b, l);
        }
        string tpKey = tp.ToString(CultureInfo.InvariantCulture);
        var perTpMap = Mapping(meta, fit.PerTp, "skew_fit.per_tp");
        var perTp = Mapping(meta, perTpMap.Entries.Where(e => e.Key == tpKey).Select(e => e.Value).FirstOrDefault(), $"skew_fit.per_tp.{tpKey}");
        string alphaKey = $"skew_fit.per_tp.{tp}.alpha_default";
        double alphaDefault = perTp.AlphaDefault is { } a0 ? Number(meta, alphaKey, a0)
            : throw new ProfileFormatException(meta, alphaKey, "is missing");
        var csv = CsvTable.Read(table);
        int pc = csv.Column("pc"), n = csv.Column("n_label"), sr = csv.Column("skew_rate_label"), kb = csv.Column("kv_big_label"), kp = csv.Column("kp_label"), a = csv.Column("alpha");
        var fitTable = new SkewFit(alphaDefault, Axis("n_bins", axes.NBins, "n_labels", axes.NLabels),
            Axis("skew_rate_bins", axes.SkewRateBins, "skew_rate_labels", axes.SkewRateLabels), Axis("kv_big_bins", axes.KvBigBins, "kv_big_labels", axes.KvBigLabels),
            Axis("kp_bins", axes.KpBins, "kp_labels", axes.KpLabels),
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

    private static T Mapping<T>(string meta, T? node, string field) where T : YamlPositioned =>
        node is null ? throw new ProfileFormatException(meta, field, "is missing")
        : node.Shape == YamlShape.Mapping ? node : throw new ProfileFormatException(meta, field, "is not a mapping");

    /// <summary>A list; one value alone (which a <see cref="YamlList{T}"/> keeps as a list of one) is refused.</summary>
    private static IReadOnlyList<YamlText> Sequence(string meta, YamlList<YamlText>? node, string field) =>
        node is null ? throw new ProfileFormatException(meta, field, "is missing")
        : node.Shape == YamlShape.Sequence ? node.Items : throw new ProfileFormatException(meta, field, "is not a list");

    private static string Scalar(string meta, string field, YamlText node) =>
        ProfileMetaYaml.Scalar(node) ?? throw new ProfileFormatException(meta, field, "holds something that is not a plain value");

    private static double Number(string meta, string field, YamlText node)
    {
        var raw = Scalar(meta, field, node);
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new ProfileFormatException(meta, field, $"'{raw}' is not a number");
    }

    private static bool Bool(string meta, string field, YamlText node) => Scalar(meta, field, node).ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var raw => throw new ProfileFormatException(meta, field, $"'{raw}' is not true or false"),
    };
}
