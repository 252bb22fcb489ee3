namespace TokenSim.Twin.Abstractions;

/// <summary>
/// Starts KV-event subscribers for a host that runs them (the server, per its sources file). The Twin's hosting
/// (<c>AddTokenSimKvEvents</c>) registers the implementation: a ZMQ subscriber whose ordered, decoded batches go to
/// the replica grain's mirror.
/// </summary>
public interface IKvEventSubscribers
{
    /// <summary>
    /// Subscribes to one replica's publisher; its batches are applied to <paramref name="replica"/>'s mirror, whose
    /// block count after each delivery goes to <paramref name="mirrorBlocks"/>. Problems go to <paramref name="log"/>
    /// as one line each. Await <see cref="IKvEventSubscription.Started"/> before relying on it.
    /// </summary>
    IKvEventSubscription Start(KvSourceOptions options, IReplicaTwinGrain replica, Action<int> mirrorBlocks, Action<string> log);
}
