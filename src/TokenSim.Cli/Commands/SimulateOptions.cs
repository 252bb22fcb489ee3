using System.CommandLine;
using System.CommandLine.Completions;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli.Commands;

/// <summary>
/// The options <c>simulate</c> takes, shared with <c>emulate</c> (which serves one engine per replica, so it takes the
/// engine options but not those of a batch run: workload, outputs, routing). Each option is built from its
/// <see cref="SimulateSettingTable"/> entry: name, help, default, known names and binding are written once, there.
/// </summary>
internal sealed class SimulateOptions
{
    public readonly Option<string?> Config = new("--config") { Description = "YAML file holding any of these options (keys as the flags, - or _); flags override it." };

    private readonly List<IBinding> _bindings = [];

    /// <summary>
    /// Adds the engine options, and with <paramref name="run"/> also those of an offline run; <paramref name="also"/>
    /// names run settings an engine command takes all the same (<c>emulate</c> seeds its engines).
    /// </summary>
    public void AddTo(Command cmd, bool run, params string[] also)
    {
        cmd.Options.Add(Config);
        foreach (var setting in SimulateSettingTable.All)
        {
            if (!run && setting.Scope == SettingScope.Run && !also.Contains(setting.Name)) continue;
            var binding = Bind(setting);
            _bindings.Add(binding);
            cmd.Options.Add(binding.Option);
        }
    }

    /// <summary>Settings from the config file (if any), then every flag given on the command line.</summary>
    public SimulateSettings Read(ParseResult parse)
    {
        var s = new SimulateSettings();
        if (parse.GetValue(Config) is { } path) YamlConfig.Apply(path, s);
        foreach (var binding in _bindings) binding.ApplyIfGiven(parse, s);
        return s;
    }

    private static IBinding Bind(SimulateSetting setting) => setting switch
    {
        SimulateSetting<int> i => new Binding<int>(i),
        SimulateSetting<double> d => new Binding<double>(d),
        SimulateSetting<bool> b => new Binding<bool>(b),
        SimulateSetting<ulong> u => new Binding<ulong>(u),
        SimulateSetting<string> t => new Binding<string>(t),
        SimulateSetting<string[]> l => new Binding<string[]>(l),
        _ => throw new InvalidOperationException($"No command-line binding for {setting.ValueType.Name} ({setting.Flag})."),
    };

    private interface IBinding
    {
        Option Option { get; }
        void ApplyIfGiven(ParseResult parse, SimulateSettings settings);
    }

    private sealed class Binding<T> : IBinding
    {
        public Binding(SimulateSetting<T> setting)
        {
            Setting = setting;
            // A short value name: System.CommandLine would otherwise list every completion in the usage column.
            Typed = new Option<T>(setting.Flag) { HelpName = setting.ValueName ?? ValueName(typeof(T), setting) };
            // The description lists the names a registry or catalog holds: read them only when help is shown.
            LazyHelp.Describe(Typed, setting.Describe);
            if (setting.HasKnownNames) Typed.CompletionSources.Add(_ => setting.Known.Select(n => new CompletionItem(n)));
        }

        private static string? ValueName(Type type, SimulateSetting setting) => Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 or TypeCode.UInt64 => "N",
            TypeCode.Double => "X",
            TypeCode.Boolean => null,
            _ => setting.HasKnownNames ? "NAME" : "VALUE",
        };

        public SimulateSetting<T> Setting { get; }
        public Option<T> Typed { get; }
        public Option Option => Typed;

        // Only a flag the user typed overrides the config file: an absent flag leaves the file's value (or the default).
        public void ApplyIfGiven(ParseResult parse, SimulateSettings settings)
        {
            if (parse.GetResult(Typed) is { Implicit: false } && parse.GetValue(Typed) is { } value) Setting.Assign(settings, value);
        }
    }
}
