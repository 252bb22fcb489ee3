using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Kv;

/// <summary>The ZMQ <see cref="KvEventSubscriber"/> behind <see cref="IKvEventSubscribers"/>.</summary>
internal sealed class KvEventSubscribers(TimeProvider time) : IKvEventSubscribers
{
    public IKvEventSubscription Start(KvSourceOptions options, IReplicaTwinGrain replica, Action<int> mirrorBlocks, Action<string> log) =>
        new KvEventSubscriber(options, async batches => mirrorBlocks((await replica.ApplyKvEventsAsync(batches)).Blocks), log, time: time);
}
