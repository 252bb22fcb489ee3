using System.CommandLine;

namespace TokenSim.Cli.Commands;

/// <summary><c>tokensim validate</c>: the simulator's error against measured runs and measured operator tables.</summary>
internal static class ValidateCommand
{
    public static Command Create() => new("validate", "Measure TokenSim's error against real engines.")
    {
        ValidateBenchCommand.Create(),
        ValidateOpsCommand.Create(),
        ValidateSiliconCommand.Create(),
    };
}
