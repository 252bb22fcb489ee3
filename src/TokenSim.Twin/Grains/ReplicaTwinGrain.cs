using Microsoft.Extensions.Options;
using Orleans.Placement;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Grains;

/// <summary>
/// One engine replica: drops repeats, then applies events in production-time order to its shadow, and keeps each
/// applied batch in the silo's <see cref="IReplicaStore"/> before acknowledging it. With a store that is not durable
/// (the in-memory default) the batch's arrival predictions run after the acknowledgement, on the
/// <see cref="PredictionScheduler"/>, and are logged with the next batch (or an entry of their own when the replica
/// deactivates); with a durable one they run, and are kept, before it.
/// </summary>
/// <remarks>
/// Placed by a hash of its key over the silos: replica grains carry the simulation's CPU, and a deployment's
/// replicas are activated in one burst, which load-based placement (statistics published every few seconds) would
/// put on one silo.
/// </remarks>
[HashBasedPlacement]
public sealed partial class ReplicaTwinGrain(IOptions<TwinOptions> options, IReplicaStore store, PredictionScheduler predictions) : Grain, IReplicaTwinGrain
{
    /// <summary>
    /// Prediction groups a replica may have sealed and not yet frozen when a batch comes; beyond it the batch waits
    /// for the oldest. Each holds a clone of the replica's simulation, so this bounds the memory a replica that
    /// predicts slower than it applies can hold, and how far its predictions trail its acknowledgements.
    /// </summary>
    internal const int MaxPredictionsBehind = 4;

    private ReplicaLive? _live;
    /// <summary>A turn that freezes predictions as their runs finish is waiting (one at a time).</summary>
    private bool _collecting;

    /// <summary>The real prefix cache as the replica's KV events describe it (not persisted: the events rebuild it).</summary>
    private readonly Kv.KvCacheMirror _mirror = new();

    /// <summary>The load in progress: forecasts interleave with the other calls, and all of them wait for the one load.</summary>
    private Task<ReplicaLive>? _loading;

    /// <summary>The live state, loaded from the store on the first call of an activation (it needs the spec to build).</summary>
    private Task<ReplicaLive> LiveAsync(ReplicaTwinConfig config)
    {
        if (_live is { } live) return Task.FromResult(live);
        // A failed load is tried again by the next call.
        if (_loading is null or { IsFaulted: true } or { IsCanceled: true }) _loading = LoadAsync(config);
        return _loading;
    }

    private async Task<ReplicaLive> LoadAsync(ReplicaTwinConfig config)
    {
        var live = await store.LoadAsync(this.GetPrimaryKeyString(), () => new ReplicaLive(
            new ReplicaShadow(config.Replica, DeploymentSpecs.Build(config.Spec), SharedExecutionTimeModels.For(config.ResolvedPerfModel, config.Spec),
                options.Value.ShadowOptions()) { Mirror = _mirror },
            new SeenEventWindow(options.Value.SeenEventWindow)), CancellationToken.None);
        live.Shadow.EndRestore();
        // A durable store's acknowledgement means kept, predictions included, so that a replica restored after a
        // crash predicts exactly as one never stopped: there the batch's predictions run before it is acknowledged.
        live.Shadow.PredictionScheduler = store.Durable ? null : predictions.Scheduler;
        live.Shadow.ForecastScheduler = store.Durable || !options.Value.ForecastsOffTurn ? null : predictions.Forecasts ?? predictions.Scheduler;
        return _live ??= live;
    }

    public Task<Kv.KvMirrorStatus> ApplyKvEventsAsync(Kv.KvMirrorBatch[] batches)
    {
        foreach (var b in batches) _mirror.Apply(b);
        return Task.FromResult(_mirror.Status);
    }

    /// <summary>The batch being applied, whose awaits a forecast (interleaved) must not fork inside; completed when none is.</summary>
    private Task _applying = Task.CompletedTask;

    public async Task<ReplicaApplyResult> ApplyAsync(ReplicaTwinConfig config, TwinEvent[] events)
    {
        var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _applying = applying.Task;
        try
        {
            return await ApplyBatchAsync(config, events);
        }
        finally
        {
            applying.SetResult();
        }
    }

    private async Task<ReplicaApplyResult> ApplyBatchAsync(ReplicaTwinConfig config, TwinEvent[] events)
    {
        var live = await LiveAsync(config);
        var shadow = live.Shadow;
        shadow.CollectScoredForecasts();
        // Bounded: a replica whose predictions fall this far behind waits for the oldest before it applies more.
        while (shadow.PredictionsRunning >= MaxPredictionsBehind)
        {
            await Finished(shadow.OldestPrediction!);
            shadow.CollectPredictions();
        }
        shadow.OriginUnixSeconds = config.OriginUnixSeconds;
        var outcomes = new EventOutcome[events.Length];
        // Stable: events with equal timestamps keep the order they were sent in.
        var order = Enumerable.Range(0, events.Length).OrderBy(i => events[i].TimeSeconds).ToArray();
        var applied = new List<TwinEvent>(events.Length);
        foreach (int i in order)
        {
            var e = events[i];
            var key = SeenEventWindow.KeyOf(e.EventId);
            if (live.Seen.Contains(key)) { outcomes[i] = EventOutcome.Duplicate; continue; }
            outcomes[i] = shadow.ApplyDeferred(e);
            if (outcomes[i].Kind != EventOutcomeKind.Applied) continue;
            live.Seen.Add(key);
            applied.Add(e);
        }
        // One clone and one forward run predict the batch's arrivals, after the acknowledgement (under a backlog a
        // group of up to 0.5 s of production time stays open to the next batch's arrivals); the entry keeps the predictions frozen
        // since the last one. A request this batch finished before its prediction was made waits for it (its group is
        // sealed): its completion is reported (as metrics) with this acknowledgement, prediction included.
        shadow.SealBatch();
        while (shadow.CompletionsAwaitPrediction && shadow.OldestPrediction is { } run)
        {
            await Finished(run);
            shadow.CollectPredictions();
        }
        shadow.EvictRecords();
        var predictions = shadow.TakePredictions();
        if (applied.Count > 0 || predictions.Length > 0) await AppendAsync(live, [.. applied], predictions, config.OriginUnixSeconds);
        if (!_collecting && shadow.OldestPrediction is not null) _ = CollectAsync(shadow);
        return new ReplicaApplyResult(outcomes, shadow.Status, shadow.TakeCompleted());
    }

    private async Task AppendAsync(ReplicaLive live, TwinEvent[] applied, LoggedPrediction[] predictions, double origin)
    {
        try
        {
            await store.AppendAsync(this.GetPrimaryKeyString(), live, new ReplicaLogEntry(live.Sequence + 1, applied, predictions, origin));
        }
        catch
        {
            // Applied here but not kept: this activation is ahead of its store. The next one reloads what was kept,
            // and the caller, not acknowledged, retries.
            _live = null;
            _loading = null;
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// Freezes predictions on the grain's scheduler as their runs finish, between (or inside the awaits of) the grain's
    /// calls. A failed run is left for the next call to collect, which throws it to its caller.
    /// </summary>
    private async Task CollectAsync(ReplicaShadow shadow)
    {
        _collecting = true;
        try
        {
            while (shadow.OldestPrediction is { } run)
            {
                await Finished(run);
                if (run.IsFaulted || !ReferenceEquals(_live?.Shadow, shadow)) return;
                shadow.CollectPredictions();
            }
        }
        finally
        {
            _collecting = false;
        }
    }

    /// <summary>Completes when <paramref name="run"/> has, faulted or not (its fault is thrown by the collect that follows).</summary>
    private static Task Finished(Task run) =>
        run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_live is not { } live) return;
        // The predictions made since the last batch are kept before the state goes: an entry of their own.
        await live.Shadow.FlushPredictionsAsync();
        live.Shadow.EndBatch();
        var predictions = live.Shadow.TakePredictions();
        if (predictions.Length > 0) await AppendAsync(live, [], predictions, live.Shadow.OriginUnixSeconds);
        await store.ReleaseAsync(this.GetPrimaryKeyString(), live);
    }

    public async Task<AccuracySnapshot> GetAccuracyAsync(ReplicaTwinConfig config)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        // Every arrival acknowledged so far is predicted before it is reported.
        await shadow.FlushPredictionsAsync();
        return new AccuracySnapshot([.. shadow.Requests], [shadow.Status], shadow.Totals);
    }

    public async Task<AccuracyPage> GetAccuracyPageAsync(ReplicaTwinConfig config, long ordinal, int limit)
    {
        var shadow = (await LiveAsync(config)).Shadow;
        await shadow.FlushPredictionsAsync();
        var (records, next) = shadow.RequestPage(ordinal, limit);
        return new AccuracyPage(records, next, shadow.Status, shadow.Totals);
    }
}
