using System.CommandLine.Parsing;

namespace TokenSim.Cli;

/// <summary>Words a command-line parse error for a user: the flag, the value, and what it should have been.</summary>
internal static class ParseErrors
{
    public static string Describe(ParseError error)
    {
        // System.CommandLine says "expected type 'System.Nullable`1[System.Int32]'": name the flag and the kind instead.
        var option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        if (option is not null)
        {
            var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
            if (type.IsArray) type = type.GetElementType()!;
            string? kind = Type.GetTypeCode(type) switch
            {
                TypeCode.Int32 => "an integer",
                TypeCode.Int64 => "an integer",
                TypeCode.UInt64 => "a non-negative integer",
                TypeCode.Double => "a number",
                TypeCode.Boolean => "true or false",
                _ => null,
            };
            var value = option.Tokens.Count > 0 ? option.Tokens[^1].Value : null;
            if (kind is not null && value is not null && error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
                return type == typeof(int) && System.Numerics.BigInteger.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _)
                    ? $"{option.Option.Name}: '{value}' is out of range ({int.MinValue:N0} to {int.MaxValue:N0})"
                    : $"{option.Option.Name}: '{value}' is not {kind}";
        }
        return error.Message;
    }
}
