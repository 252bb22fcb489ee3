using System.Text;
using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary>What a documented shell line runs, which decides the test that covers it.</summary>
public enum ShellLineKind
{
    /// <summary><c>tokensim …</c> and its spellings: <c>DocumentedCommandTests</c> runs it (or names the Twin test that does).</summary>
    Cli,
    /// <summary><c>dotnet build</c> / <c>dotnet test</c>: what .ci/run itself runs; <c>DocumentedShellLineTests</c> checks what it names.</summary>
    BuildOrTest,
    /// <summary>README's <c>dotnet pack … &amp;&amp; dotnet tool install -g …</c>: <c>ToolPackageTests</c> runs it.</summary>
    ToolInstall,
    /// <summary><c>curl …</c>: <c>DocumentedShellLineTests</c> runs it against its block's emulator.</summary>
    Curl,
    /// <summary>TokenSim.Server (<c>dotnet run --project src/TokenSim.Server</c> or its dll): <c>DocumentedServerLineTests</c> (Twin) starts it.</summary>
    Server,
    /// <summary><c>bench/…</c> scripts and benchmark dlls: <c>DocumentedBenchLineTests</c> (Twin) runs them at small sizes.</summary>
    Bench,
    /// <summary><c>helm …</c>, <c>docker build</c>, <c>promtool …</c>: <c>DocumentedOpsLineTests</c> (Twin).</summary>
    Ops,
    /// <summary><c>sudo apt-get install</c>, <c>pip install</c>: <c>DocumentedOpsLineTests</c> (Twin).</summary>
    Install,
    /// <summary><c>vllm serve …</c> and the OpenTelemetry variable beside it: <c>DocumentedOpsLineTests</c> (Twin) checks what they name.</summary>
    Vllm,
}

/// <summary>
/// Every command line of a <c>```bash</c>, <c>```sh</c> or <c>```shell</c> block of README.md and docs/*.md, joined
/// over <c>\</c> continuations, its trailing <c># comment</c> dropped (comment-only and blank lines are not commands),
/// with the kind of command it is; null when no test knows the kind, which <c>DocumentedShellLineTests</c> refuses.
/// </summary>
public sealed record DocumentedShellLine(string File, int Line, int Block, string Text, ShellLineKind? Kind)
{
    private static readonly (ShellLineKind Kind, Regex Pattern)[] Kinds =
    [
        (ShellLineKind.BuildOrTest, new(@"^dotnet (?:build|test)\b")),
        (ShellLineKind.ToolInstall, new(@"^dotnet pack src/TokenSim\.Cli -c Release && dotnet tool install -g TokenSim\.Cli --add-source \S+$")),
        (ShellLineKind.Curl, new(@"^curl ")),
        (ShellLineKind.Server, new(@"^dotnet (?:run --project src/TokenSim\.Server(?: -c Release)?(?: --(?= |$))?|src/TokenSim\.Server/bin/Release/net10\.0/TokenSim\.Server\.dll)(?: |$)")),
        (ShellLineKind.Bench, new(@"^(?:bench/[\w-]+\.sh|python3 bench/[\w-]+\.py|dotnet bench/[\w-]+/bin/Release/net10\.0/TokenSim\.Bench\.\w+\.dll)(?: |$)")),
        (ShellLineKind.Ops, new(@"^(?:(?:\.ci/tools/bin/)?helm (?:install|lint|template) |docker build |(?:cd [\w/.-]+ && )?promtool )")),
        (ShellLineKind.Install, new(@"^(?:sudo apt-get install -y |pip install )")),
        (ShellLineKind.Vllm, new(@"^(?:(?:OTEL_\w+=\S+ +)*vllm serve |OTEL_RESOURCE_ATTRIBUTES=\S+$)")),
    ];

    public override string ToString() => $"{File}:{Line}: {Text}";

    /// <summary>The line split as a shell splits words (quotes group and are removed, no expansion).</summary>
    public string[] Words => DocumentedCommand.Split(Text);

    /// <summary>Whether the line ends in <c>&amp;</c>: started in the background for the block's next lines.</summary>
    public bool Background => Text.EndsWith(" &", StringComparison.Ordinal);

    /// <summary>The line without a trailing <c>&amp;</c>.</summary>
    public string Command => Background ? Text[..^2].TrimEnd() : Text;

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "TokenSim.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("TokenSim.sln not found above the test binaries.");
        }
    }

    /// <summary>README.md and docs/*.md, README first, then the docs in name order.</summary>
    public static IEnumerable<string> DocFiles(string root) =>
        new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));

    private static readonly Lazy<IReadOnlyList<DocumentedShellLine>> Extracted = new(Extract);

    /// <summary>Read once per test run: the docs do not change under it.</summary>
    public static IReadOnlyList<DocumentedShellLine> All() => Extracted.Value;

    private static IReadOnlyList<DocumentedShellLine> Extract()
    {
        string root = RepoRoot;
        var found = new List<DocumentedShellLine>();
        int block = 0;
        foreach (var path in DocFiles(root))
        {
            string rel = Path.GetRelativePath(root, path);
            var lines = System.IO.File.ReadAllLines(path);
            bool inShell = false, inFence = false;
            for (int i = 0; i < lines.Length; i++)
            {
                var trimmed = lines[i].Trim();
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    inShell = !inFence && trimmed[3..] is "bash" or "sh" or "shell";
                    if (!inFence) block++;
                    inFence = !inFence;
                    continue;
                }
                if (!inShell) continue;
                int first = i;
                var text = new StringBuilder(trimmed);
                while (text.Length > 0 && text[^1] == '\\' && i + 1 < lines.Length)
                {
                    text.Length--;
                    text.Append(' ').Append(lines[++i].Trim());
                }
                string command = DocumentedCommand.DropComment(text.ToString()).Trim();
                if (command.Length == 0) continue;
                found.Add(new DocumentedShellLine(rel, first + 1, block, command, Classify(command)));
            }
        }
        return found;
    }

    /// <summary>The kind, read with runs of blanks taken as one (quoted text is never asked about).</summary>
    public static ShellLineKind? Classify(string command)
    {
        command = Regex.Replace(command, @"\s+", " ");
        if (DocumentedCommand.Prefix.IsMatch(command)) return ShellLineKind.Cli;
        foreach (var (kind, pattern) in Kinds)
            if (pattern.IsMatch(command)) return kind;
        return null;
    }

    /// <summary>The lines of one kind, as theory data of their <see cref="ToString"/>.</summary>
    public static TheoryData<string> OfKind(ShellLineKind kind, Func<DocumentedShellLine, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var l in All().Where(l => l.Kind == kind && (where is null || where(l)))) data.Add(l.ToString());
        return data;
    }

    public static DocumentedShellLine Find(string id) => All().Single(l => l.ToString() == id);

    /// <summary>The lines of this line's block, in order, this one included.</summary>
    public IEnumerable<DocumentedShellLine> BlockLines() => All().Where(l => l.Block == Block);
}
