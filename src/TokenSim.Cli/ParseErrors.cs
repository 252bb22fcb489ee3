using System.CommandLine;
using System.CommandLine.Parsing;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli;

/// <summary>Words a command-line parse error for a user: the flag, the value, and what it should have been.</summary>
internal static class ParseErrors
{
    /// <summary>
    /// The one line a failed parse prints: the first problem, worded for a user. An unknown flag comes first, with the
    /// command's closest flag, because its value would otherwise be reported as a second unknown word.
    /// </summary>
    public static string Summarize(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string path = CommandPath(parse.CommandResult);
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                var flags = command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                string hint = ClosestName.Of(token, flags) is { } near ? $"; did you mean {near}?" : "";
                return $"unknown option {token} for '{path}'{hint} ('{path} --help' lists them)";
            }
            if (command.Subcommands.Count > 0) return UnknownCommand(token, command, path);
            return $"unexpected argument '{token}' for '{path}' ('{path} --help' shows the usage)";
        }
        var first = parse.Errors[0];
        if (command.Subcommands.Count > 0 && first.Message.StartsWith("Required command", StringComparison.Ordinal))
            return $"'{path}' needs a command: {string.Join(", ", command.Subcommands.Select(c => c.Name))} ('{path} --help' says what each does)";
        return Describe(first);
    }

    private static string UnknownCommand(string token, Command command, string path)
    {
        var names = command.Subcommands.Select(c => c.Name);
        string hint = ClosestName.Of(token, names) is { } near ? $"did you mean '{near}'? " : "";
        return $"unknown command '{token}' for '{path}'; {hint}(known: {string.Join(", ", names)})";
    }

    private static string CommandPath(SymbolResult? result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Insert(0, c.Parent is null ? "tokensim" : c.Command.Name);
        return string.Join(' ', names);
    }

    public static string Describe(ParseError error)
    {
        // System.CommandLine says "expected type 'System.Nullable`1[System.Int32]'": name the flag and the kind instead.
        var option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        if (option is not null)
        {
            var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
            if (type.IsArray) type = type.GetElementType()!;
            var value = option.Tokens.Count > 0 ? option.Tokens[^1].Value : null;
            // An enum option: its names, never the .NET type System.CommandLine would print (checked first: an
            // enum's type code is its underlying integer's).
            if (type.IsEnum && value is not null && error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
                return $"{option.Option.Name}: '{value}' is not one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}";
            string? kind = Type.GetTypeCode(type) switch
            {
                TypeCode.Int32 => "an integer",
                TypeCode.Int64 => "an integer",
                TypeCode.UInt64 => "a non-negative integer",
                TypeCode.Double => "a number",
                TypeCode.Boolean => "true or false",
                _ => null,
            };
            if (kind is not null && value is not null && error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
                return type == typeof(int) && System.Numerics.BigInteger.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _)
                    ? $"{option.Option.Name}: '{value}' is out of range ({int.MinValue:N0} to {int.MaxValue:N0})"
                    : $"{option.Option.Name}: '{value}' is not {kind}";
        }
        return error.Message;
    }
}
