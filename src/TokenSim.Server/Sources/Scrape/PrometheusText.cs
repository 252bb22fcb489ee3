using System.Globalization;
using System.Text;

namespace TokenSim.Server.Sources.Scrape;

/// <summary>One sample of a Prometheus text exposition.</summary>
public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A line of an exposition that could not be read, and why.</summary>
public sealed record PromLineError(int Line, string Message);

/// <summary>
/// Reads the Prometheus text exposition format 0.0.4 (what vLLM's <c>prometheus_client</c> serves): samples with
/// optional labels and timestamp; comments and blank lines skipped. A line it cannot read is reported with its number
/// and skipped, and every other line is still read.
/// </summary>
public static class PrometheusText
{
    public static (List<PromSample> Samples, List<PromLineError> Errors) Parse(string text)
    {
        var samples = new List<PromSample>();
        var errors = new List<PromLineError>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.AsSpan().TrimEnd('\r').Trim();
            if (line.IsEmpty || line[0] == '#') continue;
            if (TryParseLine(line, out var sample, out var error)) samples.Add(sample!);
            else errors.Add(new PromLineError(lineNo, error));
        }
        return (samples, errors);
    }

    private static bool IsNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':';
    private static bool IsNameChar(char c) => IsNameStart(c) || c is >= '0' and <= '9';

    private static bool TryParseLine(ReadOnlySpan<char> line, out PromSample? sample, out string error)
    {
        sample = null;
        int i = 0;
        if (!IsNameStart(line[0])) { error = $"a sample must start with a metric name (got '{Clip(line)}')"; return false; }
        while (i < line.Length && IsNameChar(line[i])) i++;
        string name = line[..i].ToString();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] == '}') { i++; break; }
                int start = i;
                if (i >= line.Length || !(IsNameStart(line[i]) && line[i] != ':')) { error = $"{name}: a label name is expected at column {i + 1}"; return false; }
                while (i < line.Length && IsNameChar(line[i])) i++;
                string label = line[start..i].ToString();
                if (i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"') { error = $"{name}: label '{label}' must be followed by =\"value\""; return false; }
                i += 2;
                var value = new StringBuilder();
                bool closed = false;
                while (i < line.Length)
                {
                    char c = line[i++];
                    if (c == '"') { closed = true; break; }
                    if (c != '\\') { value.Append(c); continue; }
                    if (i >= line.Length) break;
                    char esc = line[i++];
                    switch (esc)
                    {
                        case '\\': value.Append('\\'); break;
                        case '"': value.Append('"'); break;
                        case 'n': value.Append('\n'); break;
                        default: error = $"{name}: label '{label}' has an unknown escape \\{esc}"; return false;
                    }
                }
                if (!closed) { error = $"{name}: label '{label}' has an unterminated value"; return false; }
                if (!labels.TryAdd(label, value.ToString())) { error = $"{name}: label '{label}' appears twice"; return false; }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] == ',') { i++; continue; }
                if (i < line.Length && line[i] == '}') { i++; break; }
                error = $"{name}: ',' or '}}' expected after label '{label}'";
                return false;
            }
        }
        var rest = line[i..].Trim();
        if (rest.IsEmpty) { error = $"{name}: the sample has no value"; return false; }
        int space = rest.IndexOf(' ');
        var valueText = space < 0 ? rest : rest[..space];
        if (!TryValue(valueText, out double v)) { error = $"{name}: '{valueText}' is not a number"; return false; }
        if (space >= 0 && !long.TryParse(rest[(space + 1)..].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            error = $"{name}: '{rest[(space + 1)..].Trim()}' after the value is not a timestamp in milliseconds";
            return false;
        }
        sample = new PromSample(name, labels, v);
        error = "";
        return true;
    }

    private static bool TryValue(ReadOnlySpan<char> s, out double v)
    {
        switch (s)
        {
            case "+Inf" or "Inf": v = double.PositiveInfinity; return true;
            case "-Inf": v = double.NegativeInfinity; return true;
            case "NaN": v = double.NaN; return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    private static string Clip(ReadOnlySpan<char> s) => s.Length > 40 ? s[..40].ToString() + "…" : s.ToString();
}
