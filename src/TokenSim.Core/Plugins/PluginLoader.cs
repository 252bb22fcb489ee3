using System.Reflection;
using System.Runtime.Loader;

namespace TokenSim.Core.Plugins;

/// <summary>Loads users' plugin assemblies and runs each <see cref="ITokenSimPlugin"/> they contain, once per path.</summary>
public static class PluginLoader
{
    private static readonly HashSet<string> Loaded = new(StringComparer.Ordinal);

    /// <summary>Loads <paramref name="path"/> and registers its plugins; returns their type names.</summary>
    public static IReadOnlyList<string> Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Plugin assembly '{path}' does not exist.", path);
        lock (Loaded)
        {
            if (!Loaded.Add(full)) return [];
            Assembly assembly;
            try { assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full); }
            catch (BadImageFormatException e) { throw new ArgumentException($"Plugin '{path}' is not a .NET assembly: {e.Message}", e); }
            var types = assembly.GetExportedTypes()
                .Where(t => typeof(ITokenSimPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                .ToList();
            if (types.Count == 0) throw new ArgumentException($"Plugin '{path}' has no public class implementing {nameof(ITokenSimPlugin)}.");
            foreach (var t in types)
            {
                var plugin = (ITokenSimPlugin)(Activator.CreateInstance(t)
                    ?? throw new ArgumentException($"Plugin type {t.FullName} in '{path}' has no parameterless constructor."));
                plugin.Register();
            }
            return types.Select(t => t.FullName ?? t.Name).ToList();
        }
    }
}
