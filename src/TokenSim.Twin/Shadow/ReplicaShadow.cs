using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// One engine replica mirrored by a simulation run in lockstep with production. Each applied event first advances the
/// simulation to the event's production time (seconds since the deployment's first event). Arrivals enter the
/// simulated queue; observed finishes and aborts remove requests the simulation still holds (assimilation). At
/// arrival a clone of the state is simulated forward to predict the request's TTFT, TPOT and E2E, which are frozen.
/// </summary>
/// <remarks>Not thread-safe: its grain applies one batch at a time.</remarks>
public sealed class ReplicaShadow
{
    private readonly Simulator _sim;
    private readonly Dictionary<string, ShadowRequest> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ShadowRequest> _bySimId = [];
    private readonly List<ShadowRequest> _order = [];
    private readonly List<RequestAccuracy> _completed = [];
    private readonly Queue<(double Time, int Prompt, int MaxTokens)> _recentArrivals = new();
    private readonly FinishedOutputPredictor _predictor;
    private readonly ShadowOptions _options;
    private CalibratedExecutionTimeModel? _model;
    private int? _observedRunning, _observedWaiting;
    private double? _observedKv;
    private int _snapshots;
    private double _firstArrival = double.NaN;
    private double _obsRunningSum, _simRunningSum, _obsWaitingSum, _simWaitingSum, _simKvSum, _obsKvSum, _simKvAtObsSum;
    private int _kvSnapshots;
    /// <summary>
    /// The arrivals whose prediction is deferred (<see cref="ApplyDeferred"/>): a clone of the state at the first
    /// one's arrival, into which the later ones were submitted at their own arrival times.
    /// </summary>
    private PredictionGroup? _group;
    /// <summary>Predictions frozen since the last <see cref="TakePredictions"/>: what a replica log entry records.</summary>
    private readonly List<LoggedPrediction> _predicted = [];
    /// <summary>Replaying a log (<see cref="Restore"/>): arrivals take their logged predictions instead of running clones.</summary>
    private bool _restoring;
    /// <summary>Accuracy of the closed requests whose records were evicted (<see cref="ShadowOptions.MaxRecords"/>).</summary>
    private readonly AccuracyTotals _evicted = new();

    public ReplicaShadow(int replica, ReplicaSpec spec, Func<ReplicaSpec, IExecutionTimeModel> executionTime, ShadowOptions options)
    {
        if (options.MaxRecords < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxRecords must be at least 1 (got {options.MaxRecords}).");
        Replica = replica;
        _options = options;
        _predictor = new FinishedOutputPredictor(options.OutputPredictor, options.PredictorWindow, options.PriorOutputTokens);
        // Seed 0: the simulation is deterministic, so the same event stream always gives the same predictions.
        _sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 1, ExecutionTime = s => _model = new CalibratedExecutionTimeModel(executionTime(s)), Seed = 0 });
    }

    public int Replica { get; }
    public double Now => _sim.Now;
    public FinishedOutputPredictor Predictor => _predictor;
    /// <summary>The factor the execution-time model's step times are scaled by, learned from observed TPOTs.</summary>
    public double Calibration => _model?.Scale ?? 1;
    /// <summary>The requests whose records are kept, in arrival order: every open one and the most recent closed ones.</summary>
    public IEnumerable<RequestAccuracy> Requests => _order.Select(r => r.Record);

    /// <summary>Accuracy over every closed request, evicted or kept.</summary>
    public AccuracyTotals Totals
    {
        get
        {
            var totals = _evicted.Copy();
            foreach (var r in _order)
                if (r.Closed) totals.Add(r.Record);
            return totals;
        }
    }

    /// <summary>
    /// Evicts the oldest closed records beyond <see cref="ShadowOptions.MaxRecords"/>, down to 15/16 of it so the
    /// work is amortised. Runs after predictions are frozen, so an evicted record is final.
    /// </summary>
    private void EvictRecords()
    {
        int max = _options.MaxRecords;
        if (_order.Count <= max) return;
        int excess = _order.Count - max + max / 16;
        _order.RemoveAll(r =>
        {
            if (excess == 0 || !r.Closed) return false;
            excess--;
            _evicted.Add(r.Record);
            _evicted.Evicted++;
            _requests.Remove(r.Record.RequestId);
            _bySimId.Remove(r.Live.Id);
            return true;
        });
    }

    /// <summary>Requests whose observation completed (finished) since the last call.</summary>
    public RequestAccuracy[] TakeCompleted()
    {
        var done = _completed.ToArray();
        _completed.Clear();
        return done;
    }

    public ReplicaStatus Status
    {
        get
        {
            var r = _sim.Replicas[0];
            return new ReplicaStatus
            {
                Replica = Replica, ClockSeconds = _sim.Now,
                SimulatedRunning = r.Running.Count, SimulatedWaiting = r.Waiting.Count, SimulatedKvUsage = r.Kv.Usage,
                ObservedRunning = _observedRunning, ObservedWaiting = _observedWaiting, ObservedKvUsage = _observedKv,
                Snapshots = _snapshots,
                ObservedRunningMean = _snapshots == 0 ? 0 : _obsRunningSum / _snapshots,
                SimulatedRunningMean = _snapshots == 0 ? 0 : _simRunningSum / _snapshots,
                ObservedWaitingMean = _snapshots == 0 ? 0 : _obsWaitingSum / _snapshots,
                SimulatedWaitingMean = _snapshots == 0 ? 0 : _simWaitingSum / _snapshots,
                KvSnapshots = _kvSnapshots,
                ObservedKvUsageMean = _kvSnapshots == 0 ? null : _obsKvSum / _kvSnapshots,
                SimulatedKvUsageMeanAtObserved = _kvSnapshots == 0 ? null : _simKvAtObsSum / _kvSnapshots,
                SimulatedKvUsageMean = _snapshots == 0 ? 0 : _simKvSum / _snapshots,
            };
        }
    }

    /// <summary>Applies one event, or says why not (late or invalid); an event that is not applied changes nothing.</summary>
    public EventOutcome Apply(TwinEvent e)
    {
        var outcome = ApplyDeferred(e);
        PredictPending();
        return outcome;
    }

    /// <summary>
    /// Applies one event like <see cref="Apply"/>, but an arrival's prediction waits for <see cref="PredictPending"/>,
    /// so that the arrivals of one batch share a clone and a forward run: the clone is taken at the first pending
    /// arrival and each later one is submitted to it at its own arrival time. A later arrival's prediction therefore
    /// knows what the first one's knew (no finish, abort or learning after it), never anything from after its own
    /// arrival; arrivals more than <see cref="ShadowOptions.PredictionGroupSeconds"/> after the first start a new group.
    /// </summary>
    public EventOutcome ApplyDeferred(TwinEvent e)
    {
        if (!double.IsFinite(e.TimeSeconds)) return EventOutcome.Invalid("produced_at is missing or not a finite time");
        if (e.TimeSeconds < _sim.Now - _options.LatenessSeconds)
            return EventOutcome.Late($"{_sim.Now - e.TimeSeconds:F3} s behind replica {Replica}'s clock; the bound is {_options.LatenessSeconds:G} s");
        if (Check(e) is { } problem) return EventOutcome.Invalid(problem);
        // A slightly late event is applied at the clock: the simulation cannot go back.
        double t = Math.Max(e.TimeSeconds, _sim.Now);
        _sim.AdvanceTo(t);
        switch (e.Kind)
        {
            case TwinEventKind.RequestArrived: Arrive(e, t); break;
            case TwinEventKind.FirstToken: FirstToken(e); break;
            case TwinEventKind.RequestFinished: Finish(e); break;
            case TwinEventKind.RequestAborted: Abort(e); break;
            case TwinEventKind.EngineSnapshot: Snapshot(e); break;
            default: break; // scheduled, progress, preempted: checked and counted; the simulation schedules on its own
        }
        return EventOutcome.Applied;
    }

    private string? Check(TwinEvent e)
    {
        if (e.Kind == TwinEventKind.EngineSnapshot)
        {
            if (e.Running < 0 || e.Waiting < 0) return $"engine_snapshot: running and waiting must not be negative (got {e.Running}, {e.Waiting})";
            if (e.KvCacheUsage is { } kv && !(kv >= 0 && kv <= 1)) return $"engine_snapshot.kv_cache_usage must be a fraction in [0, 1] (got {kv})";
            if (e.KvBlocksTotal is < 1) return $"engine_snapshot.kv_blocks_total must be at least 1 (got {e.KvBlocksTotal})";
            return null;
        }
        if (string.IsNullOrEmpty(e.RequestId) || e.RequestId.Length > 256) return "request_id must be 1 to 256 characters";
        _requests.TryGetValue(e.RequestId, out var known);
        if (e.Kind == TwinEventKind.RequestArrived)
        {
            if (known is not null) return $"request '{e.RequestId}' already arrived on replica {Replica}";
            if (e.PromptTokens < 1) return $"request_arrived.prompt_tokens must be at least 1 (got {e.PromptTokens})";
            if (e.MaxTokens < 1) return $"request_arrived.max_tokens must be at least 1 (got {e.MaxTokens})";
            int maxLen = _sim.Options.Replica.MaxModelLen;
            if (e.PromptTokens >= maxLen) return $"request_arrived.prompt_tokens {e.PromptTokens} leaves no room for output in the model's {maxLen}-token context";
            return null;
        }
        if (known is null) return $"unknown request '{e.RequestId}' on replica {Replica} (no request_arrived applied for it)";
        if (known.Closed && e.Kind is not TwinEventKind.RequestPreempted) return $"request '{e.RequestId}' has already finished or been aborted";
        if (e.Kind == TwinEventKind.FirstToken && known.FirstTokenSeconds is not null) return $"request '{e.RequestId}' already had its first token";
        if (e.Kind is TwinEventKind.RequestFinished or TwinEventKind.TokensProgress && e.OutputTokens < 1)
            return $"{(e.Kind == TwinEventKind.RequestFinished ? "request_finished" : "tokens_progress")}.output_tokens must be at least 1 (got {e.OutputTokens})";
        return null;
    }

    private void Arrive(TwinEvent e, double t)
    {
        int maxLen = _sim.Options.Replica.MaxModelLen;
        // The live simulation runs a request until production says it finished (or to max_tokens): its true length
        // is unknown, and a finish event ends it (see Finish). Predictions assume the predictor's length instead.
        int liveOutput = Math.Min(e.MaxTokens, maxLen - e.PromptTokens);
        var live = _sim.Submit(new RequestSpec(t, e.PromptTokens, liveOutput, PrefixHashes: FoldHashes(e.PrefixBlockHashes)));
        _sim.AdvanceTo(t);
        if (_group is not null && t - _group.Start > _options.PredictionGroupSeconds) PredictGroup();
        int predictedOutput = _predictor.Predict(liveOutput);
        var tracked = new ShadowRequest(new RequestAccuracy
        {
            Replica = Replica, RequestId = e.RequestId!, PromptTokens = e.PromptTokens, MaxTokens = e.MaxTokens,
            ArrivalSeconds = e.TimeSeconds, PredictedOutputTokens = predictedOutput,
        }, live);
        _requests[e.RequestId!] = tracked;
        _bySimId[live.Id] = tracked;
        _order.Add(tracked);
        if (double.IsNaN(_firstArrival)) _firstArrival = t;
        _recentArrivals.Enqueue((t, e.PromptTokens, liveOutput));
        if (_recentArrivals.Count > _options.ArrivalWindow) _recentArrivals.Dequeue();
        if (_restoring) return;
        if (_group is null)
        {
            var clone = CloneRevised(live.Id, predictedOutput);
            _group = new PredictionGroup(clone, t, _model?.Scale ?? 1);
            _group.Targets.Add(live.Id, tracked);
        }
        else
        {
            var target = _group.Clone.Submit(new RequestSpec(t, e.PromptTokens, predictedOutput, PrefixHashes: live.PrefixHashes));
            _group.Targets.Add(target.Id, tracked);
        }
        _group.Synthetic = Synthetic(t);
    }

    private void FirstToken(TwinEvent e)
    {
        var r = _requests[e.RequestId!];
        r.FirstTokenSeconds = e.TimeSeconds;
        r.Record = r.Record with { ObservedTtftSeconds = e.TimeSeconds - r.Record.ArrivalSeconds };
    }

    private void Finish(TwinEvent e)
    {
        var r = _requests[e.RequestId!];
        int n = e.OutputTokens;
        _predictor.Observe(n, r.Record.MaxTokens);
        r.Closed = true;
        r.Record = r.Record with
        {
            ObservedOutputTokens = n,
            ObservedE2eSeconds = e.TimeSeconds - r.Record.ArrivalSeconds,
            ObservedTpotSeconds = n > 1 && r.FirstTokenSeconds is { } first ? (e.TimeSeconds - first) / (n - 1) : null,
        };
        Calibrate(r);
        // Production is done with it: the simulation must not keep its slot and KV blocks.
        _sim.Abort(r.Live);
        _completed.Add(r.Record);
    }

    /// <summary>
    /// Moves the step-time scale towards observed / simulated TPOT of a request the live simulation ran alongside
    /// production (same arrivals, same finishes), so the ratio reflects the execution-time model's error rather
    /// than a different load. Geometric steps of <see cref="ShadowOptions.CalibrationGain"/>, each bounded to a
    /// factor of 2 so one odd request cannot throw the model off.
    /// </summary>
    private void Calibrate(ShadowRequest r)
    {
        if (_model is null || _options.CalibrationGain <= 0 || r.Record.ObservedTpotSeconds is not { } observed || observed <= 0) return;
        if (r.Live.Generated < _options.CalibrationMinTokens) return;
        double simulated = r.Live.TpotSeconds;
        if (!(simulated > 0)) return;
        double ratio = Math.Clamp(observed / simulated, 0.5, 2);
        _model.Scale *= Math.Exp(_options.CalibrationGain * Math.Log(ratio));
    }

    private void Abort(TwinEvent e)
    {
        var r = _requests[e.RequestId!];
        r.Closed = true;
        r.Record = r.Record with { Aborted = true };
        _sim.Abort(r.Live);
    }

    private void Snapshot(TwinEvent e)
    {
        var replica = _sim.Replicas[0];
        _observedRunning = e.Running;
        _observedWaiting = e.Waiting;
        _observedKv = e.KvCacheUsage;
        _snapshots++;
        _obsRunningSum += e.Running;
        _obsWaitingSum += e.Waiting;
        _simRunningSum += replica.Running.Count;
        _simWaitingSum += replica.Waiting.Count;
        _simKvSum += replica.Kv.Usage;
        if (e.KvCacheUsage is { } kv)
        {
            _kvSnapshots++;
            _obsKvSum += kv;
            _simKvAtObsSum += replica.Kv.Usage;
        }
    }

    /// <summary>A clone of the current state in which every unfinished request is assumed to produce the
    /// predictor's expected length given what it has produced, and <paramref name="simId"/> its predicted length.</summary>
    private Simulator CloneRevised(long simId, int predictedOutput)
    {
        var clone = _sim.Clone();
        foreach (var replica in clone.Replicas)
        {
            foreach (var r in replica.Running) Revise(clone, r, simId, predictedOutput);
            for (int i = 0; i < replica.Waiting.Count; i++) Revise(clone, replica.Waiting[i], simId, predictedOutput);
            for (int i = 0; i < replica.Swapped.Count; i++) Revise(clone, replica.Swapped[i], simId, predictedOutput);
        }
        return clone;
    }

    /// <summary>The steady arrivals a prediction made at <paramref name="now"/> assumes after it.</summary>
    private SyntheticArrivals Synthetic(double now)
    {
        double interval = double.PositiveInfinity;
        int synPrompt = 0, synOutput = 0;
        if (_options.SteadyArrivals && _recentArrivals.Count >= 2)
        {
            var first = _recentArrivals.Peek();
            double span = now - first.Time;
            if (span > 0)
            {
                interval = span / (_recentArrivals.Count - 1);
                synPrompt = (int)Math.Round(_recentArrivals.Average(a => a.Prompt));
                synOutput = _predictor.Predict((int)Math.Round(_recentArrivals.Average(a => a.MaxTokens)));
            }
        }
        double end = _options.ArrivalsHorizon == ArrivalsHorizon.Unbounded ? double.PositiveInfinity : now + (now - _firstArrival);
        return new SyntheticArrivals(now + interval, interval, synPrompt, synOutput, end);
    }

    /// <summary>
    /// Runs the pending arrivals' clone forward until each of them finishes (one run for all) and freezes their
    /// TTFT, TPOT and E2E. Steady arrivals are assumed after the last of them, as its own prediction would have. Then
    /// evicts closed records beyond the bound (<see cref="ShadowOptions.MaxRecords"/>): the grain calls it once a batch.
    /// </summary>
    public void PredictPending()
    {
        PredictGroup();
        // Only here, at the end of a batch, never within one: a replica restored from its log evicts at the same points.
        EvictRecords();
    }

    private void PredictGroup()
    {
        if (_group is not { } group) return;
        _group = null;
        var clone = group.Clone;
        var watch = new TargetWatch(group.Targets);
        clone.Observer = watch;
        var syn = group.Synthetic;
        double next = syn.Next;
        int synLeft = _options.SteadyArrivalsLimit;
        // The clone shares the execution-time model: run it at the scale the group's clone was taken with, not one
        // learned from finishes applied since.
        double scale = _model?.Scale ?? 1;
        if (_model is not null) _model.Scale = group.Scale;
        try
        {
            // Bounded so a pathological state cannot hang the grain; a request unfinished by then gets no prediction.
            for (long steps = 0; watch.Pending > 0 && steps < 50_000_000; steps++)
            {
                if (synLeft > 0 && next <= syn.End && double.IsFinite(syn.Interval) && (clone.NextEventTime is not { } ne || next <= ne))
                {
                    synLeft--;
                    clone.Submit(new RequestSpec(next, syn.Prompt, syn.Output));
                    next += syn.Interval;
                    continue;
                }
                if (!clone.Step()) break;
            }
        }
        finally
        {
            if (_model is not null) _model.Scale = scale;
        }
        foreach (var (tracked, done) in watch.Finished)
        {
            tracked.Record = tracked.Record with
            {
                PredictedTtftSeconds = done.EngineTtftSeconds, PredictedTpotSeconds = done.Generated > 1 ? done.TpotSeconds : null,
                PredictedE2eSeconds = done.EngineE2eSeconds,
            };
            _predicted.Add(LoggedPrediction.Of(tracked.Record));
        }
    }

    /// <summary>The predictions frozen since the last call, for the replica's log.</summary>
    public LoggedPrediction[] TakePredictions()
    {
        var made = _predicted.ToArray();
        _predicted.Clear();
        return made;
    }

    /// <summary>
    /// Re-applies one logged batch: its events, in the order they were applied, advance the lockstep simulation, the
    /// output predictor and the calibration exactly as they did (the simulation is deterministic and predictions never
    /// touch it), and its arrivals take the predictions logged for them instead of running clones forward.
    /// </summary>
    /// <exception cref="InvalidDataException">An event is not applied again: the log does not belong to this replica's spec.</exception>
    public void Restore(IReadOnlyList<TwinEvent> events, IReadOnlyList<LoggedPrediction> predictions)
    {
        _restoring = true;
        try
        {
            foreach (var e in events)
                if (ApplyDeferred(e) is { Kind: not EventOutcomeKind.Applied } outcome)
                    throw new InvalidDataException($"Replica {Replica}'s log holds event '{e.EventId}' that does not apply again ({outcome.Kind}: {outcome.Reason}).");
        }
        finally
        {
            _restoring = false;
        }
        foreach (var p in predictions)
        {
            // Records are evicted only at the end of a batch, so every request the batch predicted is still here.
            if (!_requests.TryGetValue(p.RequestId, out var r))
                throw new InvalidDataException($"Replica {Replica}'s log holds a prediction for request '{p.RequestId}', which its events do not leave open.");
            r.Record = r.Record with
            {
                PredictedOutputTokens = p.OutputTokens, PredictedTtftSeconds = p.TtftSeconds, PredictedTpotSeconds = p.TpotSeconds, PredictedE2eSeconds = p.E2eSeconds,
            };
        }
        EvictRecords();
        // Completions were reported (as metrics) when the events were first applied.
        _completed.Clear();
    }

    private void Revise(Simulator clone, Request r, long simId, int predictedOutput)
    {
        if (r.Id == simId) { clone.ReviseOutputTokens(r, predictedOutput); return; }
        if (!_bySimId.TryGetValue(r.Id, out var tracked)) return;
        int cap = Math.Min(tracked.Record.MaxTokens, _sim.Options.Replica.MaxModelLen - r.PromptTokens);
        clone.ReviseOutputTokens(r, _predictor.Predict(cap, r.Generated));
    }

    /// <summary>The contract's 64-bit block hashes folded to the simulator's 32-bit ones (collisions are as rare as 2^-32).</summary>
    private static int[]? FoldHashes(long[]? hashes) => hashes is null || hashes.Length == 0 ? null
        : Array.ConvertAll(hashes, h => unchecked((int)(h ^ (h >> 32))));

    private sealed class TargetWatch(Dictionary<long, ShadowRequest> targets) : ISimulationObserver
    {
        public List<(ShadowRequest Tracked, Request Done)> Finished { get; } = [];
        public int Pending => targets.Count - Finished.Count;

        public void OnFinished(Request r, double now)
        {
            if (targets.TryGetValue(r.Id, out var tracked)) Finished.Add((tracked, r));
        }

        public void OnRejected(Request r, double now, string reason)
        {
            if (targets.ContainsKey(r.Id)) throw new InvalidOperationException($"The simulation rejected request {r.Id}: {reason}.");
        }
    }

    private sealed class PredictionGroup(Simulator clone, double start, double scale)
    {
        public Simulator Clone { get; } = clone;
        public double Start { get; } = start;
        public double Scale { get; } = scale;
        /// <summary>Clone request id to the request it predicts.</summary>
        public Dictionary<long, ShadowRequest> Targets { get; } = [];
        public SyntheticArrivals Synthetic { get; set; }
    }

    private readonly record struct SyntheticArrivals(double Next, double Interval, int Prompt, int Output, double End);
}
