using Orleans.Concurrency;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A mirrored deployment, keyed by its name. Owns the spec and the deployment's clock origin (the production time of
/// its first event) and hands events to its replica grains.
/// </summary>
public interface IDeploymentTwinGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the deployment, or replaces its spec while it has applied no event. Throws
    /// <see cref="ArgumentException"/> naming the problem when the spec is invalid, and
    /// <see cref="InvalidOperationException"/> when events were already applied under another spec.
    /// </summary>
    Task<DeploymentSummary> RegisterAsync(TwinDeploymentSpec spec);

    /// <summary>The deployment, or null when it is not registered.</summary>
    Task<DeploymentSummary?> GetAsync();

    /// <summary>
    /// Applies a batch whose <see cref="TwinEvent.TimeSeconds"/> are Unix seconds. Returns when every replica grain
    /// concerned has applied its events. Interleaves: batches that arrive while others are being applied are
    /// applied together in the next round, one replica grain call each, so concurrent callers share the work.
    /// </summary>
    [AlwaysInterleave]
    Task<IngestResult> IngestAsync(TwinEvent[] events);

    /// <summary>Every replica's per-request accuracy, or null when the deployment is not registered.</summary>
    Task<AccuracySnapshot?> GetAccuracyAsync();

    /// <summary>
    /// At most <paramref name="size"/> records, by replica then arrival, from replica <paramref name="replica"/>'s
    /// arrival ordinal <paramref name="ordinal"/> on; with every replica's status and the totals when
    /// <paramref name="first"/>. Null when the deployment is not registered.
    /// </summary>
    /// <exception cref="ArgumentException">The deployment has no replica <paramref name="replica"/>, or an argument is negative.</exception>
    Task<DeploymentAccuracyPage?> GetAccuracyPageAsync(int replica, long ordinal, int size, bool first);
}
