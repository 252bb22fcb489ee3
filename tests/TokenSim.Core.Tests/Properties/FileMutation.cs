using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace TokenSim.Core.Tests.Properties;

/// <summary>One mutation of a file; <c>At</c> in [0, 1) picks where, <c>Pick</c> picks which replacement.</summary>
public sealed record Mutation(FileMutation.Kind Kind, double At, int Pick);

/// <summary>
/// Mutations of a text file as a stranger's tools or a bad disk make them (truncations, byte flips, column drops, huge
/// numbers, NaN, control characters, lines dropped or doubled, empty cells), and the check every file reader must pass
/// under them. Shared by the test projects (linked), each with the readers it can reach.
/// </summary>
public static class FileMutation
{
    public enum Kind { Truncate, FlipByte, DropColumn, ReplaceNumber, InsertControl, DropLine, DuplicateLine, EmptyCell }

    private static readonly string[] Numbers =
        ["1e400", "-1e400", "NaN", "-NaN", "Infinity", "-1", "0", "-0", "99999999999999999999", "2147483648", "-2147483649", "9223372036854775808", "1e-400", "0x10", "1,5", "", " "];

    private static readonly string[] Controls = ["\0", "\x01", "\x1b", "\r", "\n", "\t", "\"", ",", "\u2028", "\uFEFF", "\uFFFD", "{", "]", ":"];

    // Positions spread evenly over the file (CsCheck's Gen.Double favours values near zero).
    public static readonly Gen<Mutation> Mutations =
        CsCheck.Gen.Select(CsCheck.Gen.Enum<Kind>(), CsCheck.Gen.Int[0, 9999], CsCheck.Gen.Int[0, 1000], (k, at, pick) => new Mutation(k, at / 10_000.0, pick));

    /// <summary>
    /// Copies <paramref name="source"/> (a file, or a folder whose file number <paramref name="filePick"/> is the one
    /// mutated) to a temporary folder, applies <paramref name="mutations"/> and reads it with <paramref name="read"/>:
    /// it parses, or throws one of <paramref name="documented"/> (or a subclass) with a one-line message naming the copy.
    /// </summary>
    public static void CheckOne(string source, Action<string> read, int filePick, Mutation[] mutations, params Type[] documented)
    {
        var root = Directory.CreateTempSubdirectory("tokensim-fuzz-").FullName;
        try
        {
            string target = Path.Combine(root, Path.GetFileName(source));
            string victim;
            if (Directory.Exists(source))
            {
                var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
                foreach (var f in files)
                {
                    var dest = Path.Combine(target, Path.GetRelativePath(source, f));
                    Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                    File.Copy(f, dest);
                }
                victim = Path.Combine(target, Path.GetRelativePath(source, files[filePick % files.Length]));
            }
            else
            {
                File.Copy(source, target);
                victim = target;
            }
            var bytes = File.ReadAllBytes(victim);
            foreach (var m in mutations) bytes = Apply(bytes, m);
            File.WriteAllBytes(victim, bytes);
            try
            {
                read(target);
            }
            catch (Exception e) when (documented.Any(t => t.IsInstanceOfType(e)))
            {
                Assert.True(e.Message.Contains(root, StringComparison.Ordinal), $"the message does not name the file: {e.Message}");
                Assert.False(e.Message.Contains('\n') || e.Message.Contains('\r'), $"the message is not one line: {e.Message}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public static byte[] Apply(byte[] data, Mutation m)
    {
        int At(int length) => Math.Min(length, (int)(m.At * (length + 1)));
        switch (m.Kind)
        {
            case Kind.Truncate:
                return data[..At(data.Length)];
            case Kind.FlipByte:
                if (data.Length == 0) return data;
                var copy = (byte[])data.Clone();
                copy[Math.Min(data.Length - 1, At(data.Length))] ^= (byte)(1 << (m.Pick % 8));
                return copy;
        }
        var text = Encoding.UTF8.GetString(data);
        var lines = text.Split('\n').ToList();
        switch (m.Kind)
        {
            case Kind.DropColumn:
            {
                // The same column from every line: a table written without one of its fields.
                for (int i = 0; i < lines.Count; i++)
                {
                    var cells = lines[i].Split(',').ToList();
                    if (cells.Count > 1) cells.RemoveAt(m.Pick % cells.Count);
                    lines[i] = string.Join(",", cells);
                }
                break;
            }
            case Kind.EmptyCell:
            {
                int i = Math.Min(lines.Count - 1, At(lines.Count));
                var cells = lines[i].Split(',');
                cells[m.Pick % cells.Length] = "";
                lines[i] = string.Join(",", cells);
                break;
            }
            case Kind.DropLine:
                if (lines.Count > 0) lines.RemoveAt(Math.Min(lines.Count - 1, At(lines.Count)));
                break;
            case Kind.DuplicateLine:
                if (lines.Count > 0) { int i = Math.Min(lines.Count - 1, At(lines.Count)); lines.Insert(i, lines[i]); }
                break;
            case Kind.ReplaceNumber:
            {
                var matches = Regex.Matches(text, @"-?\d+(\.\d+)?([eE][+-]?\d+)?");
                if (matches.Count == 0) return data;
                var match = matches[Math.Min(matches.Count - 1, At(matches.Count))];
                return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, match.Index), Numbers[m.Pick % Numbers.Length], text.AsSpan(match.Index + match.Length)));
            }
            case Kind.InsertControl:
            {
                int at = At(text.Length);
                return Encoding.UTF8.GetBytes(text.Insert(at, Controls[m.Pick % Controls.Length]));
            }
        }
        return Encoding.UTF8.GetBytes(string.Join("\n", lines));
    }
}
