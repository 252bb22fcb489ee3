using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace TokenSim.Cli;

/// <summary>
/// Help text that reads the catalogs and registries (the names of known GPUs, models, schedulers) is built when help
/// is shown, not at every start: a run pays only for the catalogs it uses. An option registers how to describe itself;
/// the help option's action fills in every description of the command tree before printing.
/// </summary>
internal static class LazyHelp
{
    private static readonly ConditionalWeakTable<Option, Func<string>> Pending = [];

    /// <summary>Sets <paramref name="option"/>'s description from <paramref name="describe"/> when help is next shown.</summary>
    public static void Describe(Option option, Func<string> describe) => Pending.AddOrUpdate(option, describe);

    /// <summary>Builds the pending descriptions of <paramref name="command"/>'s options and of its subcommands'.</summary>
    public static void Fill(Command command)
    {
        foreach (var option in command.Options)
            if (Pending.TryGetValue(option, out var describe))
            {
                option.Description = describe();
                Pending.Remove(option);
            }
        foreach (var sub in command.Subcommands) Fill(sub);
    }

    /// <summary>Makes <paramref name="root"/>'s help option (which every subcommand shares) fill descriptions first.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new FillingHelpAction((HelpAction)help.Action!);
    }

    /// <summary>The name users type. System.CommandLine names the root after the entry assembly (TokenSim.Cli, also
    /// when run as the installed <c>tokensim</c> tool) and the name cannot be set, so help's usage lines are renamed.</summary>
    public const string CommandName = "tokensim";

    private sealed class FillingHelpAction(HelpAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Fill(parseResult.RootCommandResult.Command);
            var config = parseResult.InvocationConfiguration;
            var output = config.Output;
            var text = new StringWriter();
            config.Output = text;
            int code;
            try { code = help.Invoke(parseResult); }
            finally { config.Output = output; }
            output.Write(Rename(text.ToString(), parseResult.RootCommandResult.Command.Name));
            return code;
        }

        private static string Rename(string help, string rootName)
        {
            var lines = help.Split('\n');
            for (int i = 1; i < lines.Length; i++)
                if (lines[i - 1].StartsWith("Usage:", StringComparison.Ordinal) && lines[i].StartsWith("  " + rootName, StringComparison.Ordinal))
                    lines[i] = "  " + CommandName + lines[i][(2 + rootName.Length)..];
            return string.Join('\n', lines);
        }
    }
}
