using Microsoft.Extensions.Options;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Hosting;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Grains;

/// <summary>A mirrored deployment: its spec, its clock origin, and the fan-out of events to its replica grains.</summary>
public sealed partial class DeploymentTwinGrain(
    [PersistentState("deployment", TwinOptions.StorageName)] IPersistentState<DeploymentTwinState> state,
    IOptions<TwinOptions> options,
    IGrainFactory grains,
    Storage.IReplicaStore store,
    TimeProvider clock) : Grain, IDeploymentTwinGrain
{
    private DeploymentTwinState S => state.State;
    /// <summary>Batches received while a round was being applied: the next round applies them together.</summary>
    private readonly List<PendingBatch> _queue = [];
    private bool _applying;
    private static readonly TimeSpan CountWriteInterval = TimeSpan.FromSeconds(1);
    private long _lastWrite = clock.GetTimestamp();
    private long _written;
    /// <summary>The stateless rules for the registered spec, built on first use.</summary>
    private TwinEventRules? _rules;
    /// <summary>The count taken from the replicas' stores, once per activation; every call awaits it first.</summary>
    private Task? _counted;

    private async Task WriteStateAsync()
    {
        _lastWrite = clock.GetTimestamp();
        await state.WriteStateAsync();
        _written = S.EventsApplied;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _written = S.EventsApplied;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The persisted count lags by up to <see cref="CountWriteInterval"/> (and a killed silo never writes its last),
    /// while each replica's store holds every event it acknowledged: a new activation takes its count from them. A
    /// failed read (store down) is retried by the next call instead of leaving the count behind.
    /// </summary>
    private async Task CountedAsync()
    {
        var task = _counted ??= CountFromReplicasAsync();
        try
        {
            await task;
        }
        catch
        {
            if (ReferenceEquals(_counted, task)) _counted = null;
            throw;
        }
    }

    private async Task CountFromReplicasAsync()
    {
        if (S.Spec is not { } spec) return;
        var held = await Task.WhenAll(Enumerable.Range(0, spec.Replicas).Select(i => store.EventsHeldAsync(ReplicaGrainKey.Of(spec.Name, i))));
        S.EventsApplied = held.Sum();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // In-memory storage dies with the silo, and at shutdown its own grains are deactivating too: a last write
        // there is lost either way and fails. Durable storage gets the last event count.
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !store.Durable) return;
        if (S.Spec is not null && S.EventsApplied != _written) await state.WriteStateAsync();
    }

    public async Task<DeploymentSummary> RegisterAsync(TwinDeploymentSpec spec)
    {
        if (spec.Name != this.GetPrimaryKeyString()) throw new ArgumentException($"spec.name '{spec.Name}' does not match the deployment '{this.GetPrimaryKeyString()}' being registered.");
        var replica = DeploymentSpecs.Build(spec);
        await CountedAsync();
        if (S.Spec is not null && S.EventsApplied > 0 && S.Spec != spec)
            throw new InvalidOperationException($"Deployment '{spec.Name}' has applied {S.EventsApplied} events under its current spec; register the new spec under a new name.");
        string resolved = new PerfModelResolver(options.Value.DataRoot).Resolve(spec.PerfModel, replica.Model, replica.Hardware, replica.TensorParallel);
        // Building one simulator checks what only the simulator knows: the scheduler name and the perf model's files.
        _ = new Simulator(new SimulationOptions { Replica = replica, ExecutionTime = ExecutionTimeModels.Parse(resolved) });
        S.Spec = spec;
        _rules = TwinEventRules.For(spec, replica);
        S.ResolvedPerfModel = resolved;
        S.KvBlocks = replica.NumGpuBlocks;
        await state.WriteStateAsync();
        return Summary();
    }

    public async Task<DeploymentSummary?> GetAsync()
    {
        await CountedAsync();
        return S.Spec is null ? null : Summary();
    }

    private DeploymentSummary Summary() => new(S.Spec!, S.ResolvedPerfModel, S.KvBlocks, S.EventsApplied);

    public Task<IngestResult> IngestAsync(TwinEvent[] events)
    {
        if (S.Spec is null) return Task.FromResult(IngestResult.NotFound);
        var pending = new PendingBatch(events);
        _queue.Add(pending);
        if (!_applying) _ = ApplyQueuedAsync();
        return pending.Result.Task;
    }

    /// <summary>
    /// Applies what has queued, round after round, until nothing waits. Each caller's task completes or faults
    /// with its own round; the loop itself never throws.
    /// </summary>
    private async Task ApplyQueuedAsync()
    {
        _applying = true;
        try
        {
            while (_queue.Count > 0)
            {
                var round = _queue.ToArray();
                _queue.Clear();
                try
                {
                    await ApplyRoundAsync(round);
                }
                catch (Exception ex)
                {
                    foreach (var p in round) p.Result.TrySetException(ex);
                }
            }
        }
        finally
        {
            _applying = false;
        }
    }

    private async Task ApplyRoundAsync(PendingBatch[] round)
    {
        await CountedAsync();
        var spec = S.Spec!;
        var rules = _rules ??= TwinEventRules.For(spec, DeploymentSpecs.Build(spec));
        var events = round.Length == 1 ? round[0].Events : round.SelectMany(p => p.Events).ToArray();
        var outcomes = new EventOutcome[events.Length];
        var byReplica = new SortedDictionary<int, List<int>>();
        double? earliest = null;
        double now = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        for (int i = 0; i < events.Length; i++)
        {
            var e = events[i];
            // The one place the stateless rules are applied: replica grains and shadows rely on them.
            if ((rules.Check(e) ?? ProductionTime.CheckWindow(e.TimeSeconds, S.ClockUnixSeconds, now, options.Value.MaxAheadSeconds, spec.Name)) is { } problem) { outcomes[i] = EventOutcome.Invalid(problem); continue; }
            if (!byReplica.TryGetValue(e.Replica, out var list)) byReplica[e.Replica] = list = [];
            list.Add(i);
            earliest = Math.Min(earliest ?? e.TimeSeconds, e.TimeSeconds);
        }
        if (S.OriginUnixSeconds is null && earliest is { } origin)
        {
            S.OriginUnixSeconds = origin;
            await state.WriteStateAsync();
        }
        double zero = S.OriginUnixSeconds ?? 0;
        var calls = byReplica.Select(kv =>
        {
            var batch = new TwinEvent[kv.Value.Count];
            for (int k = 0; k < batch.Length; k++) batch[k] = events[kv.Value[k]];
            var grain = grains.GetGrain<IReplicaTwinGrain>(ReplicaGrainKey.Of(spec.Name, kv.Key));
            return grain.ApplyAsync(new ReplicaTwinConfig(spec, S.ResolvedPerfModel, kv.Key, zero), batch);
        }).ToArray();
        var results = await Task.WhenAll(calls);
        int r = 0;
        foreach (var (_, indices) in byReplica)
        {
            var result = results[r++];
            for (int k = 0; k < indices.Count; k++) outcomes[indices[k]] = result.Outcomes[k];
        }
        int applied = 0;
        for (int i = 0; i < events.Length; i++)
        {
            if (outcomes[i].Kind != EventOutcomeKind.Applied) continue;
            applied++;
            S.ClockUnixSeconds = Math.Max(S.ClockUnixSeconds ?? double.MinValue, events[i].TimeSeconds);
        }
        if (applied > 0)
        {
            bool first = S.EventsApplied == 0;
            S.EventsApplied += applied;
            // The first applied events are persisted at once, so a reactivated deployment still refuses a different
            // spec. The count itself at most once a second (and on deactivation): the events are in the replicas'
            // stores already, and a write per round would add a storage round trip to every acknowledgement.
            if (first || clock.GetElapsedTime(_lastWrite) >= CountWriteInterval) await WriteStateAsync();
        }
        var statuses = results.Select(x => x.Status).ToArray();
        var completed = results.SelectMany(x => x.Completed).ToArray();
        int offset = 0;
        for (int p = 0; p < round.Length; p++)
        {
            int n = round[p].Events.Length;
            // Completed requests are reported once (with the round's first batch): their callers export them as metrics.
            round[p].Result.TrySetResult(new IngestResult(true, outcomes[offset..(offset + n)], statuses, p == 0 ? completed : []));
            offset += n;
        }
    }

    private sealed class PendingBatch(TwinEvent[] events)
    {
        public TwinEvent[] Events { get; } = events;
        public TaskCompletionSource<IngestResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<AccuracySnapshot?> GetAccuracyAsync()
    {
        if (S.Spec is not { } spec) return null;
        var parts = await Task.WhenAll(Enumerable.Range(0, spec.Replicas).Select(i =>
            grains.GetGrain<IReplicaTwinGrain>(ReplicaGrainKey.Of(spec.Name, i)).GetAccuracyAsync(new ReplicaTwinConfig(spec, S.ResolvedPerfModel, i))));
        var totals = new AccuracyTotals();
        foreach (var p in parts) totals.Merge(p.Totals);
        return new AccuracySnapshot(parts.SelectMany(p => p.Requests).ToArray(), parts.SelectMany(p => p.Replicas).ToArray(), totals);
    }

    public async Task<DeploymentAccuracyPage?> GetAccuracyPageAsync(int replica, long ordinal, int size, bool first)
    {
        if (S.Spec is not { } spec) return null;
        if (replica < 0 || replica >= spec.Replicas || ordinal < 0)
            throw new ArgumentException($"page_token names replica {replica} from record {ordinal}; deployment '{spec.Name}' has replicas 0 to {spec.Replicas - 1}");
        if (size < 1) throw new ArgumentException($"page size must be positive (got {size})");
        IReplicaTwinGrain Replica(int i) => grains.GetGrain<IReplicaTwinGrain>(ReplicaGrainKey.Of(spec.Name, i));
        ReplicaTwinConfig Config(int i) => new(spec, S.ResolvedPerfModel, i);
        ReplicaStatus[]? statuses = null;
        AccuracyTotals? totals = null;
        if (first)
        {
            var heads = await Task.WhenAll(Enumerable.Range(0, spec.Replicas).Select(i => Replica(i).GetAccuracyPageAsync(Config(i), 0, 0)));
            statuses = [.. heads.Select(h => h.Status)];
            totals = new AccuracyTotals();
            foreach (var h in heads) totals.Merge(h.Totals);
        }
        var requests = new List<RequestAccuracy>(Math.Min(size, 4096));
        for (int r = replica; r < spec.Replicas; r++, ordinal = 0)
        {
            var part = await Replica(r).GetAccuracyPageAsync(Config(r), ordinal, size - requests.Count);
            requests.AddRange(part.Requests);
            if (part.Next is { } next) return new DeploymentAccuracyPage([.. requests], statuses, totals, r, next);
            if (requests.Count == size)
                return new DeploymentAccuracyPage([.. requests], statuses, totals, r + 1 < spec.Replicas ? r + 1 : null, 0);
        }
        return new DeploymentAccuracyPage([.. requests], statuses, totals, null, 0);
    }
}
