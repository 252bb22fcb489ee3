using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Kv;

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
    private readonly TrafficModel _traffic;
    private readonly ForecastScorer? _scorer;
    private CorrectedExecutionTimeModel? _model;
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
        _traffic = new TrafficModel(options.TrafficWindowSeconds);
        if (options.ForecastScoreIntervalSeconds > 0)
            _scorer = new ForecastScorer(options.ForecastScoreIntervalSeconds, options.ForecastScoreHorizons, options.ForecastScoreSeeds, options.ForecastScoreBudget);
        // Seed 0: the simulation is deterministic, so the same event stream always gives the same predictions.
        _sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 1, ExecutionTime = s => _model = new CorrectedExecutionTimeModel(executionTime(s)), Seed = 0 });
    }

    public int Replica { get; }
    public double Now => _sim.Now;
    public FinishedOutputPredictor Predictor => _predictor;
    /// <summary>The factor the execution-time model's step times are scaled by, learned from observed TPOTs.</summary>
    public double Calibration => _model?.Correction.KernelScale ?? 1;
    /// <summary>The requests whose records are kept, in arrival order: every open one and the most recent closed ones.</summary>
    public IEnumerable<RequestAccuracy> Requests => _order.Select(r => r.Record);
    /// <summary>
    /// The real engine's prefix cache as its KV events describe it, or null. Once it has received events, an arrival
    /// that carries its prompt's token ids hits exactly the leading blocks the real cache held when it arrived.
    /// </summary>
    public KvCacheMirror? Mirror { get; set; }
    /// <summary>Unix seconds of the deployment's clock origin, to read the mirror as of an arrival.</summary>
    public double OriginUnixSeconds { get; set; }

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
            if (r.Live is { } live) _bySimId.Remove(live.Id);
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
        // A request's span comes after it finished, often later than the bound: it changes no simulated past (it
        // closes the request at the clock, or records one the simulation never held), so it is never late.
        if (e.Kind != TwinEventKind.RequestObserved && e.TimeSeconds < _sim.Now - _options.LatenessSeconds)
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
            case TwinEventKind.RequestObserved: Observed(e); break;
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
        if (e.Kind == TwinEventKind.RequestObserved) return CheckObserved(e);
        _requests.TryGetValue(e.RequestId, out var known);
        if (e.Kind == TwinEventKind.RequestArrived)
        {
            if (known is not null) return $"request '{e.RequestId}' already arrived on replica {Replica}";
            if (e.PromptTokens < 1) return $"request_arrived.prompt_tokens must be at least 1 (got {e.PromptTokens})";
            if (e.MaxTokens < 1) return $"request_arrived.max_tokens must be at least 1 (got {e.MaxTokens})";
            int maxLen = _sim.Options.Replica.MaxModelLen;
            if (e.PromptTokens >= maxLen) return $"request_arrived.prompt_tokens {e.PromptTokens} leaves no room for output in the model's {maxLen}-token context";
            if (e.PromptTokenIds is { } ids && ids.Length != e.PromptTokens) return $"request_arrived.prompt_token_ids has {ids.Length} ids for {e.PromptTokens} prompt_tokens";
            // A hash per KV block the prompt fills: more cannot describe this prompt, and each one costs the simulation work.
            int block = _sim.Options.Replica.BlockSize;
            long maxHashes = ((long)e.PromptTokens + block - 1) / block;
            if (e.PrefixBlockHashes is { } hashes && hashes.Length > maxHashes)
                return $"request_arrived.prefix_block_hashes has {hashes.Length} hashes; a {e.PromptTokens}-token prompt fills at most {maxHashes} blocks of {block} tokens";
            return null;
        }
        if (known is null) return $"unknown request '{e.RequestId}' on replica {Replica} (no request_arrived applied for it)";
        bool finishAfterSpan = e.Kind == TwinEventKind.RequestFinished && known.Record.Spans > 0 && !known.FinishSeen && known.Live is not null;
        if (known.Closed && e.Kind is not TwinEventKind.RequestPreempted && !finishAfterSpan) return $"request '{e.RequestId}' has already finished or been aborted";
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
        int[]? ids = e.PromptTokenIds;
        int? realHit = null;
        if (ids is not null && Mirror is { Live: true } mirror)
        {
            int block = _sim.Options.Replica.BlockSize;
            realHit = mirror.CachedLeadingBlocks(ids, block, OriginUnixSeconds + e.TimeSeconds) * block;
        }
        var live = _sim.Submit(new RequestSpec(t, e.PromptTokens, liveOutput, PrefixHashes: FoldHashes(e.PrefixBlockHashes), TokenIds: ids, ExternalCachedTokens: realHit));
        _sim.AdvanceTo(t);
        if (_group is not null && t - _group.Start > _options.PredictionGroupSeconds) PredictGroup();
        int predictedOutput = _predictor.Predict(liveOutput);
        var tracked = new ShadowRequest(new RequestAccuracy
        {
            Replica = Replica, RequestId = e.RequestId!, PromptTokens = e.PromptTokens, MaxTokens = e.MaxTokens,
            ArrivalSeconds = e.TimeSeconds, PredictedOutputTokens = predictedOutput, RealCachedPromptTokens = realHit,
        }, live) { FrontendArrival = e.FrontendArrival };
        _requests[e.RequestId!] = tracked;
        _bySimId[live.Id] = tracked;
        _order.Add(tracked);
        if (double.IsNaN(_firstArrival)) _firstArrival = t;
        _recentArrivals.Enqueue((t, e.PromptTokens, liveOutput));
        // Its prefix hit, once the live simulation admitted it: the mirrored real cache's, or the simulated cache's.
        _traffic.Observe(t, e.PromptTokens, e.MaxTokens, live);
        if (_recentArrivals.Count > _options.ArrivalWindow) _recentArrivals.Dequeue();
        if (_restoring) return;
        if (_group is null)
        {
            var clone = CloneRevised(live.Id, predictedOutput);
            _group = new PredictionGroup(clone, t, _model?.Correction ?? StepCorrection.None);
            _group.Targets.Add(live.Id, tracked);
        }
        else
        {
            var target = _group.Clone.Submit(new RequestSpec(t, e.PromptTokens, predictedOutput, PrefixHashes: live.PrefixHashes, TokenIds: live.TokenIds, ExternalCachedTokens: live.ExternalCachedTokens));
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
        r.FinishSeen = true;
        if (r.Closed)
        {
            // Its span closed it first: the span's engine-side figures stand, the finish fills what it lacked.
            r.Record = r.Record with { ObservedE2eSeconds = r.Record.ObservedE2eSeconds ?? e.TimeSeconds - r.Record.ArrivalSeconds };
            return;
        }
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
        _sim.Abort(r.Live!);
        _completed.Add(r.Record);
    }

    /// <summary>The request a span reports: its id as the span gives it, else without vLLM's <c>chatcmpl-</c> or <c>cmpl-</c>
    /// prefix (a gateway that set <c>X-Request-Id: X</c> knows the request as X, vLLM's span as <c>chatcmpl-X</c>).</summary>
    private ShadowRequest? FindSpanned(string id)
    {
        if (_requests.TryGetValue(id, out var r)) return r;
        foreach (var prefix in SpanIdPrefixes)
            if (id.StartsWith(prefix, StringComparison.Ordinal) && _requests.TryGetValue(id[prefix.Length..], out r)) return r;
        return null;
    }

    private static readonly string[] SpanIdPrefixes = ["chatcmpl-", "cmpl-"];

    private string? CheckObserved(TwinEvent e)
    {
        if (e.PromptTokens < 1) return $"request_observed.prompt_tokens must be at least 1 (got {e.PromptTokens})";
        if (e.OutputTokens < 0) return $"request_observed.output_tokens must not be negative (got {e.OutputTokens})";
        if (e.E2eSeconds is not { } e2e || !double.IsFinite(e2e) || e2e < 0) return $"request_observed.e2e must be a duration of 0 s or more (got {e.E2eSeconds?.ToString() ?? "none"})";
        foreach (var (name, v) in (ReadOnlySpan<(string, double?)>)[("ttft", e.TtftSeconds), ("queue", e.QueueSeconds), ("prefill", e.PrefillSeconds), ("decode", e.DecodeSeconds)])
            if (v is { } d && !(double.IsFinite(d) && d >= 0)) return $"request_observed.{name} must be a duration of 0 s or more (got {d})";
        if (FindSpanned(e.RequestId!) is { } known)
        {
            if (known.Record.Spans > 0) return $"request '{known.Record.RequestId}' on replica {Replica} already has its span (vLLM gives each child of an n > 1 request a span of the same id)";
            if (known.Record.Aborted) return $"request '{known.Record.RequestId}' was aborted on replica {Replica}; vLLM makes no span for an aborted request";
        }
        return null;
    }

    /// <summary>
    /// A request's span. A request the twin saw arrive is finished by it if production's finish has not come yet
    /// (observed output, E2E and TPOT from the span; calibration; the simulation drops it), and gains the engine-side
    /// phases either way; observations already made (a gateway's first token and finish) are kept. A request the
    /// twin never saw arrive is recorded as observed, without a prediction: it ran before the twin knew of it, so its
    /// prediction cannot be frozen at its arrival, and the simulation never held it, so there is nothing to drop.
    /// </summary>
    private void Observed(TwinEvent e)
    {
        double e2e = e.E2eSeconds!.Value;
        int n = e.OutputTokens;
        double? tpot = n > 1 && e.DecodeSeconds is { } decode ? decode / (n - 1) : null;
        var known = FindSpanned(e.RequestId!);
        if (known is null)
        {
            var record = new RequestAccuracy
            {
                Replica = Replica, RequestId = e.RequestId!, PromptTokens = e.PromptTokens, MaxTokens = e.MaxTokens,
                ArrivalSeconds = e.TimeSeconds - e2e, PredictedOutputTokens = 0, ArrivalObserved = false, Spans = 1,
                ObservedOutputTokens = n, ObservedTtftSeconds = e.TtftSeconds, ObservedTpotSeconds = tpot, ObservedE2eSeconds = e2e,
                ObservedQueueSeconds = e.QueueSeconds, ObservedPrefillSeconds = e.PrefillSeconds, ObservedDecodeSeconds = e.DecodeSeconds,
            };
            var tracked = new ShadowRequest(record, null) { Closed = true };
            _requests[e.RequestId!] = tracked;
            _order.Add(tracked);
            if (e.MaxTokens > 0) _predictor.Observe(n, e.MaxTokens);
            _completed.Add(record);
            return;
        }
        var r = known;
        r.Record = r.Record with
        {
            Spans = r.Record.Spans + 1,
            ObservedQueueSeconds = e.QueueSeconds, ObservedPrefillSeconds = e.PrefillSeconds, ObservedDecodeSeconds = e.DecodeSeconds,
            ObservedTtftSeconds = r.Record.ObservedTtftSeconds ?? e.TtftSeconds,
        };
        if (r.Closed) return;
        _predictor.Observe(n, r.Record.MaxTokens);
        r.Closed = true;
        r.Record = r.Record with { ObservedOutputTokens = n, ObservedE2eSeconds = e2e, ObservedTpotSeconds = tpot };
        Calibrate(r);
        _sim.Abort(r.Live!);
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
        if (r.Live is not { } live || live.Generated < _options.CalibrationMinTokens) return;
        double simulated = live.TpotSeconds;
        if (!(simulated > 0)) return;
        double ratio = Math.Clamp(observed / simulated, 0.5, 2);
        _model.Correction = _model.Correction with { KernelScale = _model.Correction.KernelScale * Math.Exp(_options.CalibrationGain * Math.Log(ratio)) };
    }

    private void Abort(TwinEvent e)
    {
        var r = _requests[e.RequestId!];
        r.Closed = true;
        r.Record = r.Record with { Aborted = true };
        _sim.Abort(r.Live!);
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
        // An activation replaying its log does not re-score: that would cost a forecast per second of history.
        if (!_restoring) _scorer?.OnSnapshot(_sim.Now, e.Running, e.Waiting, e.KvCacheUsage, Forecast);
    }

    /// <summary>The traffic learned from recent arrivals, at the replica's clock.</summary>
    public TrafficEstimate Traffic => _traffic.Estimate(_sim.Now) with
    {
        FinishedOutputTokens = _predictor.Recent.Select(r => r.Output).ToArray(), FinishedMaxTokens = _predictor.Recent.Select(r => r.MaxTokens).ToArray(),
    };

    /// <summary>The production-clock forecast scores so far (empty when scoring is off).</summary>
    public ForecastScore[] ForecastScores => _scorer?.Scores ?? [];
    /// <summary>Scored forecasts issued, and those skipped because their CPU budget was spent.</summary>
    public (long Issued, long Skipped) ForecastsScored => _scorer is null ? (0, 0) : (_scorer.Issued, _scorer.Skipped);

    /// <summary>Forks the live state into one simulation per seed and runs each forward (<see cref="ReplicaForecaster"/>).</summary>
    public ReplicaForecast Forecast(ForecastSpec spec)
    {
        int maxLen = _sim.Options.Replica.MaxModelLen;
        var traffic = spec.Traffic ?? _traffic.Estimate(_sim.Now);
        // The replica's own traffic copies its recent requests' cached prefixes; a spread one only their hit sizes.
        var sources = spec.Traffic is null ? _traffic.Sources() : null;
        // A replica that has seen nothing finish (one a forecast adds) draws from the finishes the traffic carries.
        var predictor = _predictor;
        if (predictor.Count == 0 && traffic.FinishedOutputTokens.Length > 0)
        {
            predictor = new FinishedOutputPredictor(_options.OutputPredictor, _options.PredictorWindow, _options.PriorOutputTokens);
            for (int i = 0; i < traffic.FinishedOutputTokens.Length; i++) predictor.Observe(traffic.FinishedOutputTokens[i], traffic.FinishedMaxTokens[i]);
        }
        return ReplicaForecaster.Run(Replica, _sim.Now, spec, traffic, maxLen, Fork,
            (cap, random) => predictor.Sample(cap, 0, random), calibration: Calibration, sources: sources);
    }

    /// <summary>A clone of the current state in which every unfinished request produces a length drawn from the predictor's distribution given what it has produced.</summary>
    private Simulator Fork(Core.Randomness.SimRandom random)
    {
        var clone = _sim.Clone();
        foreach (var replica in clone.Replicas)
        {
            foreach (var r in replica.Running) Draw(r);
            for (int i = 0; i < replica.Waiting.Count; i++) Draw(replica.Waiting[i]);
            for (int i = 0; i < replica.Swapped.Count; i++) Draw(replica.Swapped[i]);
        }
        return clone;

        void Draw(Request r)
        {
            if (!_bySimId.TryGetValue(r.Id, out var tracked)) return;
            int cap = Math.Min(tracked.Record.MaxTokens, _sim.Options.Replica.MaxModelLen - r.PromptTokens);
            clone.ReviseOutputTokens(r, _predictor.Sample(cap, r.Generated, random));
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
        // The clone shares the execution-time model: run it at the correction the group's clone was taken with, not
        // one learned from finishes applied since.
        var learned = _model?.Correction ?? StepCorrection.None;
        if (_model is not null) _model.Correction = group.Correction;
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
            if (_model is not null) _model.Correction = learned;
        }
        foreach (var (tracked, done) in watch.Finished)
        {
            // A frontend's arrival is measured from before the engine queued the request (it waits for the step in
            // flight); an engine's queued time from the simulated queueing, which the engine stamps at a step boundary.
            bool frontend = tracked.FrontendArrival;
            tracked.Record = tracked.Record with
            {
                PredictedTtftSeconds = frontend ? done.TtftSeconds : done.EngineTtftSeconds, PredictedTpotSeconds = done.Generated > 1 ? done.TpotSeconds : null,
                PredictedE2eSeconds = frontend ? done.E2eSeconds : done.EngineE2eSeconds,
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

    private sealed class PredictionGroup(Simulator clone, double start, StepCorrection correction)
    {
        public Simulator Clone { get; } = clone;
        public double Start { get; } = start;
        /// <summary>The step correction learned when the clone was taken: the group runs at it, not at one learned since.</summary>
        public StepCorrection Correction { get; } = correction;
        /// <summary>Clone request id to the request it predicts.</summary>
        public Dictionary<long, ShadowRequest> Targets { get; } = [];
        public SyntheticArrivals Synthetic { get; set; }
    }

    private readonly record struct SyntheticArrivals(double Next, double Interval, int Prompt, int Output, double End);
}
