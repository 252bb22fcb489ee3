namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One engine replica of a deployment, keyed <c>deployment/replica</c>: the live state and the lockstep simulation.
/// </summary>
/// <remarks>
/// Events of a batch are applied in production-time order; the simulation advances to each event's time. Repeats
/// (same event id) are reported as duplicates, events older than the lateness bound as late.
/// </remarks>
public interface IReplicaTwinGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies <paramref name="events"/>, which have met <see cref="TwinEventRules"/> (times in Unix seconds; the
    /// simulation's clock starts at <see cref="ReplicaTwinConfig.OriginUnixSeconds"/>).
    /// </summary>
    Task<ReplicaApplyResult> ApplyAsync(ReplicaTwinConfig config, TwinEvent[] events);

    /// <summary>
    /// Applies the replica's KV-event batches, in sequence order, to its mirror of the real prefix cache (not
    /// persisted: a reactivated grain starts an empty mirror, which the events rebuild).
    /// </summary>
    Task<Kv.KvMirrorStatus> ApplyKvEventsAsync(Kv.KvMirrorBatch[] batches);

    /// <summary>Every request seen so far, in arrival order, and the replica's status.</summary>
    Task<AccuracySnapshot> GetAccuracyAsync(ReplicaTwinConfig config);

    /// <summary>
    /// At most <paramref name="limit"/> kept records from arrival ordinal <paramref name="ordinal"/> on (the replica's
    /// n-th request ever followed has ordinal n - 1; evicted ones are skipped), its status and its totals.
    /// </summary>
    Task<AccuracyPage> GetAccuracyPageAsync(ReplicaTwinConfig config, long ordinal, int limit);
}
