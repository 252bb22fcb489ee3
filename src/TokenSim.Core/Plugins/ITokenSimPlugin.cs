namespace TokenSim.Core.Plugins;

/// <summary>
/// Implemented by a public class with a parameterless constructor in a user's assembly. When TokenSim loads the
/// assembly (<c>--plugin PATH</c>, or <c>plugins:</c> in a config), it calls <see cref="Register"/>. The plugin then
/// adds its policies by name to the registries: <c>ReplicaSchedulers.Registry</c>, <c>GlobalSchedulers.Registry</c>,
/// <c>KvCacheManagers.Registry</c> and <c>ExecutionTimeModels.Registry</c>.
/// </summary>
public interface ITokenSimPlugin
{
    void Register();
}
