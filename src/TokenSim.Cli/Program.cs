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
    ForecastCommand.Create(),
};
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
