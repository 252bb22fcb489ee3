namespace TokenSim.Core.Simulation;

/// <summary>Which commands take a setting: every engine (simulate, emulate, sweeps, plans) or only an offline run.</summary>
public enum SettingScope
{
    /// <summary>Shapes one engine: <c>simulate</c> and <c>emulate</c> both take it.</summary>
    Engine,

    /// <summary>Belongs to a batch run (workload, routing, outputs): <c>simulate</c> takes it, <c>emulate</c> does not.</summary>
    Run,
}

/// <summary>
/// One <see cref="SimulateSettings"/> setting, described once: its kebab-case name (the flag without <c>--</c>, the
/// YAML key with <c>-</c> or <c>_</c>, the gRPC option key), its help, its default as shown to a user, the names it
/// accepts and how a value reaches the settings. The CLI builds its options from these, and <c>--config</c> files and
/// <c>Simulate</c> requests set values through <see cref="Apply"/>, so a setting cannot mean two things in two places.
/// </summary>
public abstract class SimulateSetting(string name, string help, string? defaultText, SettingScope scope, Func<IEnumerable<string>>? known)
{
    /// <summary>kebab-case, without the leading dashes: <c>max-num-seqs</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The flag: <c>--max-num-seqs</c>.</summary>
    public string Flag => "--" + Name;

    /// <summary>What the setting does, one or two sentences, without the default or the known names.</summary>
    public string Help { get; } = help;

    /// <summary>The default as a user reads it (<c>16</c>, <c>by GPU, as vllm serve</c>); null when there is none.</summary>
    public string? DefaultText { get; } = defaultText;

    public SettingScope Scope { get; } = scope;

    /// <summary>
    /// The names the setting accepts, read from their registry or catalog when asked (a plugin loaded later adds more,
    /// so these are shown, never enforced here: the registry refuses an unknown name with its own list).
    /// </summary>
    public IEnumerable<string> Known => known?.Invoke() ?? [];

    /// <summary>Whether the setting takes names from a registry or catalog, known without reading it.</summary>
    public bool HasKnownNames => known is not null;

    /// <summary>How help names the value (<c>FILE</c>, <c>SPEC</c>); null for the name its type suggests.</summary>
    public string? ValueName { get; init; }

    /// <summary>The type of a value on the command line (<c>int</c> for <c>--tp</c>).</summary>
    public abstract Type ValueType { get; }

    /// <summary>The help line: <see cref="Help"/>, then the known names, then the default.</summary>
    public string Describe()
    {
        var text = Help;
        var names = Known.ToArray();
        if (names.Length > 0) text += $" Known: {string.Join(", ", names)}.";
        if (DefaultText is not null) text += $" Default: {DefaultText}.";
        return text;
    }

    /// <summary>
    /// Sets the value from its text (a YAML scalar, a gRPC option); <paramref name="where"/> prefixes errors (a file and
    /// line, or a field), e.g. <c>plan.yaml:3: 'tp: abc' must be an integer.</c>
    /// </summary>
    public abstract void Apply(SimulateSettings settings, string raw, string where);
}

/// <summary>A setting whose command-line value is a <typeparamref name="T"/>.</summary>
public sealed class SimulateSetting<T>(
    string name, string help, string? defaultText, SettingScope scope, Func<IEnumerable<string>>? known,
    SettingParser<T> parse, string expected, Action<SimulateSettings, T> assign)
    : SimulateSetting(name, help, defaultText, scope, known)
{
    public override Type ValueType => typeof(T);

    /// <summary>What a value must be, for errors: <c>an integer</c>.</summary>
    public string Expected { get; } = expected;

    /// <summary>Sets an already typed value (a parsed flag).</summary>
    public void Assign(SimulateSettings settings, T value) => assign(settings, value);

    public override void Apply(SimulateSettings settings, string raw, string where)
    {
        if (!parse(raw, out var value)) throw new FormatException($"{where}: '{Name}: {raw}' must be {Expected}.");
        assign(settings, value);
    }
}

/// <summary>Reads a setting's value from text; false when the text is not one.</summary>
public delegate bool SettingParser<T>(string raw, out T value);
