using System.Globalization;
using System.Net;

namespace TokenSim.Server.Extensions;

/// <summary>The parsers behind the rules of <see cref="ServerOptions"/>: each gives the value, or null when the text breaks its rule.</summary>
internal static class ServerOptionRules
{
    public static object? Port(string t) => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536 ? p : null;

    public static object? Whole(string t, int min, int max) =>
        int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max ? n : null;

    public static object? Number(string t, double min, double max) =>
        double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x >= min && x <= max ? x : null;

    public static object? Bool(string t) => t.ToLowerInvariant() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => null,
    };

    public static object? Role(string t) => t switch
    {
        "both" => ServerRole.Both,
        "silo" => ServerRole.Silo,
        "frontend" => ServerRole.Frontend,
        _ => null,
    };

    public static object? Id(string t) =>
        t.Length is > 0 and <= 64 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? t : null;

    public static object? Ip(string t) => IPAddress.TryParse(t, out var ip) ? ip : null;

    public static object? RedisConfig(string t)
    {
        if (string.IsNullOrWhiteSpace(t)) return t;   // empty: unset (a chart passes "" for "no Redis")
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(t).EndPoints.Count > 0 ? t : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static object? DashboardPath(string t) =>
        t.Length == 0 || (t.StartsWith('/') && t.Length > 1 && !t.EndsWith('/') && Uri.IsWellFormedUriString(t, UriKind.Relative)
                          && t != "/metrics" && !t.StartsWith("/metrics/", StringComparison.Ordinal)) ? t : null;

    public static object? Horizons(string t)
    {
        var parts = t.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!(double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && values[i] > 0 && double.IsFinite(values[i])))
                return null;
        return values;
    }

    /// <summary>Levenshtein distance, for the nearest known name to a mistyped one.</summary>
    public static int Edits(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
