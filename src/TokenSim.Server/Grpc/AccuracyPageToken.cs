using System.Globalization;

namespace TokenSim.Server.Grpc;

/// <summary>
/// GetAccuracy's page token: the replica and the arrival ordinal the next page starts at, as <c>r{replica}.{ordinal}</c>.
/// Clients treat it as opaque; it holds no state, so any front end can serve the next page.
/// </summary>
internal static class AccuracyPageToken
{
    public static string Format(int replica, long ordinal) => string.Create(CultureInfo.InvariantCulture, $"r{replica}.{ordinal}");

    /// <summary>The replica and ordinal, or null when <paramref name="token"/> is not of the form <see cref="Format"/> writes.</summary>
    public static (int Replica, long Ordinal)? Parse(string token)
    {
        if (token.Length < 4 || token[0] != 'r') return null;
        int dot = token.IndexOf('.');
        if (dot < 2) return null;
        const NumberStyles digits = NumberStyles.None;
        if (!int.TryParse(token.AsSpan(1, dot - 1), digits, CultureInfo.InvariantCulture, out int replica)) return null;
        if (!long.TryParse(token.AsSpan(dot + 1), digits, CultureInfo.InvariantCulture, out long ordinal)) return null;
        return (replica, ordinal);
    }

    /// <summary>A token as an error message may quote it: at most 64 characters, anything but printable ASCII as '?'.</summary>
    public static string Shown(string token)
    {
        var cut = token.Length > 64 ? token[..64] + "…" : token;
        return string.Concat(cut.Select(c => c is >= ' ' and <= '~' or '…' ? c : '?'));
    }
}
