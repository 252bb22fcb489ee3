using Microsoft.Extensions.Options;
using TokenSim.Core.ExecutionTime;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Grains;

/// <summary>One engine replica: drops repeats, then applies events in production-time order to its shadow.</summary>
public sealed partial class ReplicaTwinGrain(
    [PersistentState("replica", TwinOptions.StorageName)] IPersistentState<ReplicaTwinState> state,
    IOptions<TwinOptions> options) : Grain, IReplicaTwinGrain
{
    private ReplicaShadow? _shadow;
    private SeenEventWindow? _seen;
    /// <summary>Records persisted by an earlier activation, whose simulation is gone.</summary>
    private List<RequestAccuracy> _restored = [];
    /// <summary>Applied events not yet written to storage.</summary>
    private bool _dirty;

    public static string Key(string deployment, int replica) => $"{deployment}/{replica}";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _seen = new SeenEventWindow(options.Value.SeenEventWindow);
        foreach (var id in state.State.SeenEventIds) _seen.Add(id);
        _restored = state.State.Requests;
        return Task.CompletedTask;
    }

    /// <summary>The real prefix cache as the replica's KV events describe it.</summary>
    private readonly Kv.KvCacheMirror _mirror = new();

    private ReplicaShadow Shadow(ReplicaTwinConfig config)
    {
        _shadow ??= new ReplicaShadow(config.Replica, DeploymentSpecs.Build(config.Spec),
            ExecutionTimeModels.Parse(config.ResolvedPerfModel), options.Value.ShadowOptions()) { Mirror = _mirror };
        _shadow.OriginUnixSeconds = config.OriginUnixSeconds;
        return _shadow;
    }

    public Task<Kv.KvMirrorStatus> ApplyKvEventsAsync(Kv.KvMirrorBatch[] batches)
    {
        foreach (var b in batches) _mirror.Apply(b);
        return Task.FromResult(_mirror.Status);
    }

    public async Task<ReplicaApplyResult> ApplyAsync(ReplicaTwinConfig config, TwinEvent[] events)
    {
        var shadow = Shadow(config);
        var seen = _seen!;
        var outcomes = new EventOutcome[events.Length];
        // Stable: events with equal timestamps keep the order they were sent in.
        var order = Enumerable.Range(0, events.Length).OrderBy(i => events[i].TimeSeconds).ToArray();
        bool changed = false;
        foreach (int i in order)
        {
            var e = events[i];
            if (seen.Contains(e.EventId)) { outcomes[i] = EventOutcome.Duplicate; continue; }
            outcomes[i] = shadow.ApplyDeferred(e);
            if (outcomes[i].Kind != EventOutcomeKind.Applied) continue;
            seen.Add(e.EventId);
            changed = true;
        }
        // One clone and one forward run predict all of the batch's arrivals; the acknowledgement waits for it.
        shadow.PredictPending();
        if (changed)
        {
            if (options.Value.WriteStatePerBatch) await WriteAsync(shadow);
            else _dirty = true;
        }
        return new ReplicaApplyResult(outcomes, shadow.Status, shadow.TakeCompleted());
    }

    private async Task WriteAsync(ReplicaShadow shadow)
    {
        state.State.Requests = [.. _restored, .. shadow.Requests];
        state.State.SeenEventIds = [.. _seen!.InOrder];
        await state.WriteStateAsync();
        _dirty = false;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty && _shadow is not null) await WriteAsync(_shadow);
    }

    public Task<AccuracySnapshot> GetAccuracyAsync(ReplicaTwinConfig config)
    {
        var shadow = Shadow(config);
        return Task.FromResult(new AccuracySnapshot([.. _restored, .. shadow.Requests], [shadow.Status]));
    }
}
