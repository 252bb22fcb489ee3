using System.CommandLine;
using TokenSim.Cli.Commands;

namespace TokenSim.Cli;

/// <summary>The <c>tokensim</c> command tree and how a command line runs on it (a class, so tests parse what users type).</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("TokenSim: a token-level simulator of LLM serving (vLLM-style engines).")
        {
            SimulateCommand.Create(),
            ValidateCommand.Create(),
            SweepCommand.Create(),
            EmulateCommand.Create(),
            ReplayCommand.Create(),
            PlanCommand.Create(),
            ForecastCommand.Create(),
        };
        LazyHelp.Install(root);
        return root;
    }

    public static int Run(string[] args)
    {
        var root = CreateRoot();
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
