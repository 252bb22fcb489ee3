using Microsoft.Extensions.Options;
using Orleans.Placement;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Grains;

/// <summary>
/// One engine replica: drops repeats, then applies events in production-time order to its shadow, and keeps each
/// applied batch in the silo's <see cref="IReplicaStore"/> before acknowledging it.
/// </summary>
/// <remarks>
/// Placed by a hash of its key over the silos: replica grains carry the simulation's CPU, and a deployment's
/// replicas are activated in one burst, which load-based placement (statistics published every few seconds) would
/// put on one silo.
/// </remarks>
[HashBasedPlacement]
public sealed partial class ReplicaTwinGrain(IOptions<TwinOptions> options, IReplicaStore store) : Grain, IReplicaTwinGrain
{
    private ReplicaLive? _live;

    /// <summary>The real prefix cache as the replica's KV events describe it (not persisted: the events rebuild it).</summary>
    private readonly Kv.KvCacheMirror _mirror = new();

    /// <summary>The live state, loaded from the store on the first call of an activation (it needs the spec to build).</summary>
    private async Task<ReplicaLive> LiveAsync(ReplicaTwinConfig config)
    {
        _live ??= await store.LoadAsync(this.GetPrimaryKeyString(), () => new ReplicaLive(
            new ReplicaShadow(config.Replica, DeploymentSpecs.Build(config.Spec), ExecutionTimeModels.Parse(config.ResolvedPerfModel),
                options.Value.ShadowOptions()) { Mirror = _mirror },
            new SeenEventWindow(options.Value.SeenEventWindow)), CancellationToken.None);
        return _live;
    }

    public Task<Kv.KvMirrorStatus> ApplyKvEventsAsync(Kv.KvMirrorBatch[] batches)
    {
        foreach (var b in batches) _mirror.Apply(b);
        return Task.FromResult(_mirror.Status);
    }

    public async Task<ReplicaApplyResult> ApplyAsync(ReplicaTwinConfig config, TwinEvent[] events)
    {
        var live = await LiveAsync(config);
        var shadow = live.Shadow;
        shadow.OriginUnixSeconds = config.OriginUnixSeconds;
        var outcomes = new EventOutcome[events.Length];
        // Stable: events with equal timestamps keep the order they were sent in.
        var order = Enumerable.Range(0, events.Length).OrderBy(i => events[i].TimeSeconds).ToArray();
        var applied = new List<TwinEvent>(events.Length);
        foreach (int i in order)
        {
            var e = events[i];
            if (live.Seen.Contains(e.EventId)) { outcomes[i] = EventOutcome.Duplicate; continue; }
            outcomes[i] = shadow.ApplyDeferred(e);
            if (outcomes[i].Kind != EventOutcomeKind.Applied) continue;
            live.Seen.Add(e.EventId);
            applied.Add(e);
        }
        // One clone and one forward run predict all of the batch's arrivals; the acknowledgement waits for it.
        shadow.PredictPending();
        var predictions = shadow.TakePredictions();
        if (applied.Count > 0)
        {
            try
            {
                await store.AppendAsync(this.GetPrimaryKeyString(), live, new ReplicaLogEntry(live.Sequence + 1, [.. applied], predictions, config.OriginUnixSeconds));
            }
            catch
            {
                // Applied here but not kept: this activation is ahead of its store. The next one reloads what was kept,
                // and the caller, not acknowledged, retries.
                _live = null;
                DeactivateOnIdle();
                throw;
            }
        }
        return new ReplicaApplyResult(outcomes, shadow.Status, shadow.TakeCompleted());
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_live is not null) await store.ReleaseAsync(this.GetPrimaryKeyString(), _live);
    }

    public async Task<AccuracySnapshot> GetAccuracyAsync(ReplicaTwinConfig config)
    {
        var live = await LiveAsync(config);
        return new AccuracySnapshot([.. live.Shadow.Requests], [live.Shadow.Status], live.Shadow.Totals);
    }
}
