using System.Globalization;

namespace TokenSim.Server.Extensions;

/// <summary>
/// One server setting, described once: its name gives the flag (<c>--grpc-port</c>), the environment variable
/// (<c>TOKENSIM_GRPC_PORT</c>), the config file key (<c>grpc-port</c>) and the configuration key
/// (<c>TokenSim:GrpcPort</c>); its rule and help give <c>--help</c>, and its parser the validation.
/// </summary>
/// <param name="Name">kebab-case, as in the flag without its dashes.</param>
/// <param name="Value">What the value is, for --help (<c>PORT</c>, <c>SECONDS</c>).</param>
/// <param name="Rule">What a valid value is, completing "--flag / TOKENSIM_FLAG …" (<c>must be a TCP port from 1 to 65535</c>).</param>
/// <param name="Parse">The value, or null when the text breaks <paramref name="Rule"/>.</param>
/// <param name="Of">The setting's value in a <see cref="ServerSettings"/>: of a new one, its default.</param>
public sealed record ServerOption(string Name, string Value, string Rule, string Help, Func<string, object?> Parse, Func<ServerSettings, object?> Of)
{
    public string Flag => "--" + Name;
    public string Env => "TOKENSIM_" + Name.Replace('-', '_').ToUpperInvariant();
    public string Key => "TokenSim:" + string.Concat(Name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>The default as it would be written (from <see cref="ServerSettings"/>' initialisers); null: unset.</summary>
    public string? Default => Of(new ServerSettings()) switch
    {
        null => null,
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IEnumerable<double> list => string.Join(',', list.Select(x => x.ToString(CultureInfo.InvariantCulture))),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    /// <summary>The problem with <paramref name="text"/>, or null when it is valid; <paramref name="label"/> names it (default: flag / variable).</summary>
    public string? Problem(string text, string? label = null) => Parse(text) is null ? $"{label ?? $"{Flag} / {Env}"} {Rule} (got '{text}')." : null;
}
