using System.CommandLine;
using TokenSim.Cli.Commands;

namespace TokenSim.Cli;

/// <summary>The <c>tokensim</c> command tree and how a command line runs on it (a class, so tests parse what users type).</summary>
internal static class CliApp
{
    private const string Description = "TokenSim: a token-level simulator of LLM serving (vLLM-style engines).";

    /// <summary>The subcommands by the name users type, in the order help lists them.</summary>
    private static readonly (string Name, Func<Command> Create)[] Commands =
    [
        ("simulate", SimulateCommand.Create),
        ("validate", ValidateCommand.Create),
        ("sweep", SweepCommand.Create),
        ("emulate", EmulateCommand.Create),
        ("replay", ReplayCommand.Create),
        ("plan", PlanCommand.Create),
        ("forecast", ForecastCommand.Create),
    ];

    public static RootCommand CreateRoot() => CreateRoot(null);

    /// <summary>
    /// The tree for a command line: when its first word is exactly a subcommand's name only that subcommand is built,
    /// since nothing under it reads its siblings (their options are most of a start's command-tree cost); anything
    /// else (no words, help, a typo, a response file) gets the whole tree, so root help and errors list every command.
    /// </summary>
    internal static RootCommand CreateRoot(string[]? args)
    {
        var root = new RootCommand(Description);
        var only = args is { Length: > 0 } ? Array.Find(Commands, c => c.Name == args[0]).Create : null;
        if (only is not null) root.Subcommands.Add(only());
        else foreach (var (_, create) in Commands) root.Subcommands.Add(create());
        LazyHelp.Install(root);
        return root;
    }

    public static int Run(string[] args)
    {
        var root = CreateRoot(args);
        return CliErrors.Run(() =>
        {
            var parse = root.Parse(args);
            // One line on stderr naming the flag (and the closest known one), instead of System.CommandLine's messages
            // followed by the whole help on stdout.
            if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
            {
                Console.Error.WriteLine($"error: {TerminalText.Escape(ParseErrors.Summarize(parse))}");
                return 1;
            }
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        });
    }
}
