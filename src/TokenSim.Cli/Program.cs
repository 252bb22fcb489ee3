using System.CommandLine;
using TokenSim.Cli;
using TokenSim.Cli.Commands;

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
return CliErrors.Run(() =>
{
    var parse = root.Parse(args);
    // One line per problem, naming the flag, instead of System.CommandLine's message followed by the whole help.
    if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
    {
        foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {TerminalText.Escape(ParseErrors.Describe(error))}");
        return 1;
    }
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
});
