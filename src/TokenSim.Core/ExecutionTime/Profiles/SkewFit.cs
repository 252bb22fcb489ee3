using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// LLMServingSim's decode-skew fit. A batch whose decodes have uneven KV lengths costs
/// t = t(mean KV) + α·(t(big KV) − t(mean KV)). α is looked up per bucket of prefill chunk, decode count, big fraction
/// ("skew rate"), big KV length and prefill KV (<c>skew_fit.csv</c>), falling back to the profile's fitted default
/// (<c>meta.yaml</c> <c>skew_fit.per_tp.N.alpha_default</c>). Bucket edges come from <c>meta.yaml</c>.
/// </summary>
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

    /// <summary>Reads the fit for <paramref name="tp"/> from a profile's dtype folder; null when it has none.</summary>
    public static SkewFit? Read(string dtypeFolder, int tp)
    {
        string meta = Path.Combine(dtypeFolder, "meta.yaml"), table = Path.Combine(dtypeFolder, $"tp{tp}", "skew_fit.csv");
        if (!File.Exists(meta) || !File.Exists(table)) return null;
        var yaml = new YamlStream();
        using (var reader = new StreamReader(meta)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        if (!root.Children.TryGetValue("skew_fit", out var fitNode) || fitNode is not YamlMappingNode fit) return null;
        var axes = (YamlMappingNode)fit["bucket_axes"];
        (double[], string[]) Axis(string bins, string labels)
        {
            var b = ((YamlSequenceNode)axes[bins]).Select(x => double.Parse(((YamlScalarNode)x).Value!, CultureInfo.InvariantCulture)).ToArray();
            var l = ((YamlSequenceNode)axes[labels]).Select(x => ((YamlScalarNode)x).Value!).ToArray();
            if (l.Length != b.Length - 1) throw new FormatException($"{meta}: skew_fit.bucket_axes.{labels} needs one label per bin of {bins}.");
            return (b, l);
        }
        var perTp = (YamlMappingNode)((YamlMappingNode)fit["per_tp"])[tp.ToString(CultureInfo.InvariantCulture)];
        double alphaDefault = double.Parse(((YamlScalarNode)perTp["alpha_default"]).Value!, CultureInfo.InvariantCulture);
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
}
