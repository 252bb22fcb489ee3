using System.Collections;

namespace TokenSim.Core.Plugins;

/// <summary>
/// Named factories for one extension point. Names are kebab-case and shared by config, CLI and gRPC; an unknown
/// name throws with the list of known ones.
/// </summary>
public sealed class PluginRegistry<TPlugin, TContext>(string kind) : IEnumerable<KeyValuePair<string, Func<TContext, TPlugin>>>
{
    private readonly Dictionary<string, Func<TContext, TPlugin>> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _names = [];

    public Func<TContext, TPlugin> this[string name]
    {
        get => _factories.TryGetValue(name, out var f) ? f : throw Unknown(name);
        set
        {
            if (!_factories.ContainsKey(name)) _names.Add(name);
            _factories[name] = value;
        }
    }

    public IReadOnlyList<string> Names => _names;

    public bool Contains(string name) => _factories.ContainsKey(name);

    public TPlugin Create(string name, TContext context) => this[name](context);

    private ArgumentException Unknown(string name) =>
        new($"Unknown {kind} '{name}'. Known: {string.Join(", ", _names)}.");

    public IEnumerator<KeyValuePair<string, Func<TContext, TPlugin>>> GetEnumerator() => _factories.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
