using System.Globalization;
using System.Text;

namespace TokenSim.Cli;

/// <summary>
/// Makes untrusted text (a file's bytes, a header, a name) safe to print: a terminal obeys the escape sequences and
/// other control characters in what it is sent, so a crafted file could retitle, recolour or rewrite the user's
/// terminal through an error message.
/// </summary>
internal static class TerminalText
{
    /// <summary>At most this many characters of one untrusted string are printed (a binary file has no line ends).</summary>
    public const int MaxLength = 2000;

    /// <summary>
    /// <paramref name="text"/> with every control character (C0, DEL, C1; tab and newline included, so an error stays
    /// one line) shown as <c>\xNN</c> (<c>\uNNNN</c> above 0xFF), and cut at <see cref="MaxLength"/>.
    /// </summary>
    public static string Escape(string text)
    {
        StringBuilder? sb = null;
        int n = Math.Min(text.Length, MaxLength);
        for (int i = 0; i < n; i++)
        {
            char c = text[i];
            bool control = char.IsControl(c) || c is '\u2028' or '\u2029' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
            if (!control) { sb?.Append(c); continue; }
            sb ??= new StringBuilder(text, 0, i, n + 16);
            sb.Append(c <= '\u00FF' ? $"\\x{(int)c:X2}" : $"\\u{((int)c).ToString("X4", CultureInfo.InvariantCulture)}");
        }
        string s = sb?.ToString() ?? text[..n];
        return text.Length > MaxLength ? $"{s}… ({text.Length - MaxLength:N0} more characters)" : s;
    }
}
