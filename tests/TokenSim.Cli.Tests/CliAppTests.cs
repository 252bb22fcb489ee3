using System.CommandLine;

namespace TokenSim.Cli.Tests;

/// <summary>A command line whose first word names a subcommand gets a tree of that subcommand alone, and says the same.</summary>
public sealed class CliAppTests
{
    [Fact]
    public void FirstWordNamingASubcommand_BuildsOnlyIt()
    {
        var root = CliApp.CreateRoot(["plan", "--config", "p.yaml"]);
        Assert.Equal(["plan"], root.Subcommands.Select(c => c.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("simulat")]
    [InlineData("--help")]
    [InlineData("Simulate")]
    [InlineData("@args.rsp")]
    public void AnyOtherCommandLine_BuildsTheWholeTree(string commandLine)
    {
        var root = CliApp.CreateRoot(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["simulate", "validate", "sweep", "emulate", "replay", "plan", "forecast"], root.Subcommands.Select(c => c.Name));
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("validate")]
    [InlineData("plan")]
    public void SubcommandHelp_IsTheSameFromTheOneCommandTree(string command)
    {
        string[] args = [command, "--help"];
        Assert.Equal(Help(CliApp.CreateRoot(), args), Help(CliApp.CreateRoot(args), args));
    }

    private static string Help(RootCommand root, string[] args)
    {
        var output = new StringWriter();
        root.Parse(args).Invoke(new InvocationConfiguration { Output = output });
        return output.ToString();
    }
}
