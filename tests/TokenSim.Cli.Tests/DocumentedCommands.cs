using System.Text;
using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary>
/// Every CLI command in a fenced shell block of README.md and docs/*.md: written as <c>tokensim …</c>,
/// <c>dotnet run --project src/TokenSim.Cli -c Release -- …</c> or <c>dotnet src/TokenSim.Cli/bin/…/TokenSim.Cli.dll …</c>,
/// joined over <c>\</c> continuations, its trailing <c># comment</c> dropped and split as a shell would split it.
/// Leading <c>NAME=value</c> words are the command's environment (<see cref="Env"/>), as a shell takes them.
/// </summary>
public sealed record DocumentedCommand(string File, int Line, string Text, string[] Args)
{
    internal static readonly Regex Prefix = new(
        @"^\s*(?:[A-Z][A-Z0-9_]*=\S+\s+)*(?:/usr/bin/time\s+-v\s+)?(?:tokensim|dotnet run --project src/TokenSim\.Cli(?: -c Release)? --|dotnet src/TokenSim\.Cli/bin/Release/net10\.0/TokenSim\.Cli\.dll)\s+",
        RegexOptions.Compiled);

    public override string ToString() => $"{File}:{Line}: {Text}";

    /// <summary>The variables the line sets for the command (<c>NAME=value</c> before it).</summary>
    public IReadOnlyDictionary<string, string> Env =>
        Split(Text).TakeWhile(w => Assignment.IsMatch(w)).Select(w => w.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    private static readonly Regex Assignment = new(@"^[A-Z][A-Z0-9_]*=", RegexOptions.Compiled);

    public static IReadOnlyList<DocumentedCommand> All()
    {
        string root = DocumentedShellLine.RepoRoot;
        var files = DocumentedShellLine.DocFiles(root);
        var found = new List<DocumentedCommand>();
        foreach (var path in files)
        {
            string rel = Path.GetRelativePath(root, path);
            var lines = System.IO.File.ReadAllLines(path);
            bool inShell = false, inFence = false;
            for (int i = 0; i < lines.Length; i++)
            {
                var trimmed = lines[i].Trim();
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    inShell = !inFence && trimmed[3..] is "bash" or "sh" or "shell" or "";
                    inFence = !inFence;
                    continue;
                }
                if (!inShell || trimmed.Length == 0) continue;
                int first = i;
                var text = new StringBuilder(trimmed);
                while (text.Length > 0 && text[^1] == '\\' && i + 1 < lines.Length)
                {
                    text.Length--;
                    text.Append(' ').Append(lines[++i].Trim());
                }
                string command = DropComment(text.ToString()).Trim();
                if (!Prefix.IsMatch(command)) continue;
                found.Add(new DocumentedCommand(rel, first + 1, command, Split(Prefix.Replace(command, ""))));
            }
        }
        return found;
    }

    internal static string DropComment(string line)
    {
        bool single = false, dbl = false;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '\'' && !dbl) single = !single;
            else if (line[i] == '"' && !single) dbl = !dbl;
            else if (line[i] == '#' && !single && !dbl && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    /// <summary>Words as a POSIX shell splits them: quotes group and are removed, no expansion.</summary>
    public static string[] Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool single = false, dbl = false, any = false;
        foreach (char c in line)
        {
            if (c == '\'' && !dbl) { single = !single; any = true; }
            else if (c == '"' && !single) { dbl = !dbl; any = true; }
            else if (char.IsWhiteSpace(c) && !single && !dbl)
            {
                if (any) words.Add(word.ToString());
                word.Clear();
                any = false;
            }
            else { word.Append(c); any = true; }
        }
        if (any) words.Add(word.ToString());
        return [.. words];
    }
}
