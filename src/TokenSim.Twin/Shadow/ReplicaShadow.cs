using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Kv;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// One engine replica mirrored by a simulation run in lockstep with production. Each applied event first advances the
/// simulation to the event's production time (seconds since the deployment's first event). Arrivals enter the
/// simulated queue; observed finishes and aborts remove requests the simulation still holds (assimilation). At
/// arrival a clone of the state is simulated forward to predict the request's TTFT, TPOT and E2E, which are frozen
/// (<see cref="ArrivalPredictions"/>).
/// </summary>
/// <remarks>
/// Not thread-safe: its grain applies one batch at a time. Events reach it through the deployment grain, which has
/// applied <see cref="TwinEventRules"/>; the shadow checks only what needs its state.
/// </remarks>
public sealed partial class ReplicaShadow
{
    private readonly Simulator _sim;
    private readonly ShadowOptions _options;
    private readonly TwinEventRules _rules;
    private readonly RequestRecords _records;
    private readonly StepCalibration _calibration;
    private readonly ArrivalPredictions _predictions;
    private readonly ShadowForecasts _forecasts;
    private readonly SnapshotAverages _snapshots = new();
    /// <summary>Replaying a log (<see cref="Restore"/>): arrivals take their logged predictions instead of running clones.</summary>
    private bool _restoring;

    public ReplicaShadow(int replica, ReplicaSpec spec, Func<ReplicaSpec, IExecutionTimeModel> executionTime, ShadowOptions options)
    {
        if (options.MaxRecords < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxRecords must be at least 1 (got {options.MaxRecords}).");
        Replica = replica;
        _options = options;
        // Only the content rules are used (Apply): a shadow knows neither its deployment's name nor its size.
        _rules = new TwinEventRules(deployment: "", replicas: int.MaxValue, spec.MaxModelLen, spec.BlockSize);
        _records = new RequestRecords(options.MaxRecords);
        Predictor = new FinishedOutputPredictor(options.OutputPredictor, options.PredictorWindow, options.PriorOutputTokens);
        _calibration = new StepCalibration(options);
        // Seed 0: the simulation is deterministic, so the same event stream always gives the same predictions.
        _sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 1, ExecutionTime = s => _calibration.Wrap(executionTime(s)), Seed = 0 });
        // Clones do not carry the observer: only the lockstep simulation's steps are logged for the calibration.
        _sim.Observer = _calibration.Log;
        var forks = new ShadowForks(_sim, _records, Predictor);
        _predictions = new ArrivalPredictions(options, Predictor, _calibration, forks);
        _forecasts = new ShadowForecasts(replica, _sim, options, Predictor, _calibration, forks);
    }

    public int Replica { get; }
    public double Now => _sim.Now;
    public FinishedOutputPredictor Predictor { get; }
    /// <summary>The factor the execution-time model's step times are scaled by, learned online (<see cref="StepCalibration"/>).</summary>
    public double Calibration => _calibration.Scale;
    /// <summary>The online step correction's latest fit, with its standard errors.</summary>
    public StepCorrectionEstimate CalibrationEstimate => _calibration.Estimate;
    /// <summary>The correction in force and its uncertainty, as reported by <see cref="Status"/> and <see cref="Forecast"/>.</summary>
    public StepCorrectionReport CalibrationReport => StepCorrectionReport.Of(_calibration.Estimate, _calibration.Correction);
    /// <summary>The requests whose records are kept, in arrival order: every open one and the most recent closed ones.</summary>
    public IEnumerable<RequestAccuracy> Requests => _records.Records;
    /// <summary>Accuracy over every closed request, evicted or kept.</summary>
    public AccuracyTotals Totals => _records.Totals;

    /// <summary>
    /// At most <paramref name="limit"/> of <see cref="Requests"/> from arrival ordinal <paramref name="from"/> on (the
    /// n-th request followed has ordinal n - 1, restored or not), and the ordinal the next page starts at, or null.
    /// </summary>
    public (RequestAccuracy[] Records, long? Next) RequestPage(long from, int limit) => _records.Page(from, limit);
    /// <summary>
    /// The real engine's prefix cache as its KV events describe it, or null. Once it has received events, an arrival
    /// that carries its prompt's token ids hits exactly the leading blocks the real cache held when it arrived.
    /// </summary>
    public KvCacheMirror? Mirror { get; set; }
    /// <summary>
    /// Unix seconds of the deployment's clock origin: events carry production's Unix time, and the simulation's clock
    /// starts at this origin. Zero where the events' times are already seconds since it.
    /// </summary>
    public double OriginUnixSeconds { get; set; }

    public ReplicaStatus Status => _snapshots.Status(Replica, _sim.Now, _sim.Replicas[0]) with { StepCorrection = CalibrationReport };

    /// <summary>The traffic learned from recent arrivals, at the replica's clock.</summary>
    public TrafficEstimate Traffic => _forecasts.Traffic;
    /// <summary>The production-clock forecast scores so far (empty when scoring is off).</summary>
    public ForecastScore[] ForecastScores => _forecasts.Scores;
    /// <summary>Scored forecasts issued, and those skipped because their CPU budget was spent.</summary>
    public (long Issued, long Skipped) ForecastsScored => _forecasts.Scored;

    /// <summary>Forks the live state into one simulation per seed and runs each forward (<see cref="ReplicaForecaster"/>).</summary>
    public ReplicaForecast Forecast(ForecastSpec spec) => _forecasts.Forecast(spec) with { StepCorrection = CalibrationReport };

    /// <summary>What the replica holds now, per seed's fork, for a deployment-wide forecast (autoscaling from live state).</summary>
    public LiveReplicaState Held(int seeds) => _forecasts.Held(seeds);

    /// <summary>Requests whose observation completed (finished) since the last call.</summary>
    public RequestAccuracy[] TakeCompleted() => _records.TakeCompleted();

    /// <summary>The predictions frozen since the last call, for the replica's log.</summary>
    public LoggedPrediction[] TakePredictions() => _predictions.TakePredictions();

    /// <summary>
    /// Checks one event against the content rules, as a shadow fed without a deployment grain must, applies it, and
    /// predicts at once; an event that is not applied changes nothing.
    /// </summary>
    public EventOutcome Apply(TwinEvent e)
    {
        var outcome = _rules.CheckContent(e) is { } problem ? EventOutcome.Invalid(problem) : ApplyDeferred(e);
        PredictPending();
        return outcome;
    }

    /// <summary>
    /// Applies one event that has met <see cref="TwinEventRules"/>, at its time less <see cref="OriginUnixSeconds"/>, or says why not (late, or at odds with the state);
    /// an arrival's prediction waits for <see cref="PredictPending"/> (<see cref="ArrivalPredictions"/>).
    /// </summary>
    public EventOutcome ApplyDeferred(TwinEvent e)
    {
        // A request's span comes after it finished, often later than the bound: it changes no simulated past (it
        // closes the request at the clock, or records one the simulation never held), so it is never late.
        double at = e.TimeSeconds - OriginUnixSeconds;
        if (e is not RequestObserved && at < _sim.Now - _options.LatenessSeconds)
            return EventOutcome.Late($"{_sim.Now - at:F3} s behind replica {Replica}'s clock; the bound is {_options.LatenessSeconds:G} s");
        if (CheckState(e) is { } problem) return EventOutcome.Invalid(problem);
        // A slightly late event is applied at the clock: the simulation cannot go back.
        double t = Math.Max(at, _sim.Now);
        _sim.AdvanceTo(t);
        switch (e)
        {
            case RequestArrived arrived: Arrive(arrived, at, t); break;
            case FirstTokenProduced first: FirstToken(first, at); break;
            case RequestFinished finished: Finish(finished, at); break;
            case RequestAborted aborted: Abort(aborted); break;
            case EngineSnapshotTaken snapshot: Snapshot(snapshot); break;
            case RequestObserved observed: Observed(observed, at); break;
            default: break; // scheduled, progress, preempted: checked and counted; the simulation schedules on its own
        }
        return EventOutcome.Applied;
    }

    /// <summary>Where scored forecasts run their seeds, forked at the snapshot that issues them; null: at it
    /// (<see cref="ForecastScorer"/>). A grain's forecasts asked for run there too.</summary>
    public TaskScheduler? ForecastScheduler { get => _forecasts.Scheduler; set => _forecasts.Scheduler = value; }

    /// <summary>The scored forecast whose seeds are running, or null.</summary>
    public Task? ScoredForecastRunning => _forecasts.ScoredRunning;

    /// <summary>Every scored forecast whose seeds are running, oldest first.</summary>
    public Task[] ScoredForecastsRunning => _forecasts.AllScoredRunning;

    /// <summary>Scores the snapshots that waited for a scored forecast now finished (a failed one throws here).</summary>
    public void CollectScoredForecasts() => _forecasts.CollectScored();

    /// <summary><see cref="Forecast"/>'s inputs taken now; the seeds run in the function returned, on any thread.</summary>
    public Func<ReplicaForecast> PrepareForecast(ForecastSpec spec)
    {
        var run = _forecasts.Prepare(spec);
        var correction = CalibrationReport;
        return () => run() with { StepCorrection = correction };
    }

    /// <summary>
    /// After a replay from the log: arrivals whose predictions the log does not hold (made after their batch was
    /// acknowledged, and lost with the process before a later entry kept them) will get none.
    /// </summary>
    public void EndRestore()
    {
        if (!_predictions.AnyPending) _records.AbandonPendingPredictions();
    }

    /// <summary>
    /// Re-applies one logged batch: its events, in the order they were applied, advance the lockstep simulation, the
    /// output predictor and the calibration exactly as they did (the simulation is deterministic and predictions never
    /// touch it), and its arrivals take the predictions logged for them instead of running clones forward.
    /// </summary>
    /// <exception cref="InvalidDataException">An event is not applied again: the log does not belong to this replica's spec.</exception>
    /// <param name="originUnixSeconds">The origin the events were applied at (<see cref="OriginUnixSeconds"/>).</param>
    public void Restore(IReadOnlyList<TwinEvent> events, IReadOnlyList<LoggedPrediction> predictions, double originUnixSeconds = 0)
    {
        double origin = OriginUnixSeconds;
        OriginUnixSeconds = originUnixSeconds;
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
            OriginUnixSeconds = origin;
        }
        foreach (var p in predictions)
        {
            // A record is not evicted while its prediction is pending, so every request an entry predicts is still here.
            var r = _records.Find(p.RequestId)
                ?? throw new InvalidDataException($"Replica {Replica}'s log holds a prediction for request '{p.RequestId}', which its events do not leave open.");
            r.Record = r.Record with
            {
                PredictedOutputTokens = p.OutputTokens, PredictedTtftSeconds = p.TtftSeconds, PredictedTpotSeconds = p.TpotSeconds, PredictedE2eSeconds = p.E2eSeconds,
            };
            r.PredictionPending = false;
        }
        _records.Evict();
        // Completions were reported (as metrics) when the events were first applied.
        _records.ForgetCompleted();
    }

    /// <summary>Why the event contradicts what this replica has applied, or null.</summary>
    private string? CheckState(TwinEvent e)
    {
        if (e is not RequestEvent { RequestId: var id }) return null;
        if (e is RequestObserved)
        {
            if (_records.FindSpanned(id) is not { } spanned) return null;
            if (spanned.Record.Spans > 0) return $"request '{spanned.Record.RequestId}' on replica {Replica} already has its span (vLLM gives each child of an n > 1 request a span of the same id)";
            if (spanned.Record.Aborted) return $"request '{spanned.Record.RequestId}' was aborted on replica {Replica}; vLLM makes no span for an aborted request";
            return null;
        }
        var known = _records.Find(id);
        if (e is RequestArrived) return known is null ? null : $"request '{id}' already arrived on replica {Replica}";
        if (known is null) return $"unknown request '{id}' on replica {Replica} (no request_arrived applied for it)";
        bool finishAfterSpan = e is RequestFinished && known.Record.Spans > 0 && !known.FinishSeen && known.Record.ArrivalObserved;
        if (known.Closed && e is not RequestPreempted && !finishAfterSpan) return $"request '{id}' has already finished or been aborted";
        if (e is FirstTokenProduced && known.FirstTokenSeconds is not null) return $"request '{id}' already had its first token";
        return null;
    }
}
