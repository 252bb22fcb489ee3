using System.Text;

namespace TokenSim.Server.Extensions;

/// <summary><c>--help</c>: every flag of <see cref="ServerOptions"/> with its help, default and variable.</summary>
public static class ServerHelp
{
    public static string Text()
    {
        var text = new StringBuilder("""
            Usage: TokenSim.Server [--FLAG VALUE | --FLAG=VALUE]...

            The TokenSim digital-twin server. Each setting is a flag, a TOKENSIM_* environment variable, or a key of the
            --config YAML file; a flag overrides the variable, the variable the file. TOKENSIM_DEBUG=1 prints the stack of
            a startup failure. docs/operations.md describes them.


            """);
        foreach (var o in ServerOptions.All)
        {
            string head = $"  {o.Flag} {o.Value}";
            text.Append(head.PadRight(36));
            if (head.Length >= 36) text.Append('\n').Append(new string(' ', 36));
            text.Append(o.Help).Append(o.Default is { } d ? $" (default {d})" : "").Append(" [").Append(o.Env).Append("]\n");
        }
        text.Append("  --help, -h".PadRight(36)).Append("this text\n");
        return text.ToString();
    }
}
