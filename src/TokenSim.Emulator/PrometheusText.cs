using System.Globalization;
using System.Text;

namespace TokenSim.Emulator;

/// <summary>
/// Prometheus text exposition format 0.0.4, written the way Python's <c>prometheus_client</c> writes it (vLLM's
/// exporter): counters as <c>name_total</c> with a <c>name_created</c> gauge, histograms with cumulative
/// <c>_bucket</c> series, <c>_count</c>, <c>_sum</c> and <c>_created</c>, values as floats (<c>1.0</c>).
/// </summary>
internal static class PrometheusText
{
    public static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf"
        : double.IsNegativeInfinity(v) ? "-Inf"
        : double.IsNaN(v) ? "NaN"
        : v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("0.0", CultureInfo.InvariantCulture)
        : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A label value with backslash, double quote and newline escaped, as the format requires.</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public static void Header(StringBuilder sb, string name, string help, string type) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    public static void Sample(StringBuilder sb, string name, string labels, double value) =>
        sb.Append(name).Append('{').Append(labels).Append("} ").Append(Format(value)).Append('\n');

    public static void Gauge(StringBuilder sb, string name, string help, string labels, double value)
    {
        Header(sb, name, help, "gauge");
        Sample(sb, name, labels, value);
    }

    /// <summary>A counter family: one <c>_total</c> sample and one <c>_created</c> sample per label set.</summary>
    public static void Counter(StringBuilder sb, string name, string help, double created, params (string Labels, double Value)[] series)
    {
        Header(sb, name + "_total", help, "counter");
        foreach (var (labels, value) in series) Sample(sb, name + "_total", labels, value);
        Header(sb, name + "_created", help, "gauge");
        foreach (var (labels, _) in series) Sample(sb, name + "_created", labels, created);
    }

    /// <summary>The 1-2-5 bucket series up to <paramref name="max"/> that vLLM uses for token-count histograms.</summary>
    public static double[] Buckets125(int max)
    {
        var b = new List<double>();
        for (long m = 1; ; m *= 10)
            foreach (int k in (int[])[1, 2, 5])
            {
                if (m * k > max) return [.. b];
                b.Add(m * k);
            }
    }
}

/// <summary>A cumulative histogram with fixed upper bounds, as <c>prometheus_client</c> keeps one.</summary>
internal sealed class PromHistogram(double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length];
    private long _count;
    private double _sum;

    public long Count => _count;

    public void Add(double v)
    {
        _count++;
        _sum += v;
        int i = Array.BinarySearch(bounds, v);
        if (i < 0) i = ~i;
        if (i < _counts.Length) _counts[i]++;
    }

    public void Write(StringBuilder sb, string name, string help, string labels, double created)
    {
        PrometheusText.Header(sb, name, help, "histogram");
        long cumulative = 0;
        for (int i = 0; i < bounds.Length; i++)
        {
            cumulative += _counts[i];
            PrometheusText.Sample(sb, name + "_bucket", $"{labels},le=\"{PrometheusText.Format(bounds[i])}\"", cumulative);
        }
        PrometheusText.Sample(sb, name + "_bucket", $"{labels},le=\"+Inf\"", _count);
        PrometheusText.Sample(sb, name + "_count", labels, _count);
        PrometheusText.Sample(sb, name + "_sum", labels, _sum);
        PrometheusText.Header(sb, name + "_created", help, "gauge");
        PrometheusText.Sample(sb, name + "_created", labels, created);
    }
}
