using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Each arrival's frozen prediction of its TTFT, TPOT and E2E. Arrivals wait in a <see cref="PredictionGroup"/> until
/// it is sealed, so that they share a clone and a forward run. A later arrival's prediction therefore knows what the
/// first one's knew (no finish, abort or learning after it), never anything from after its own arrival.
/// </summary>
/// <remarks>
/// <para>
/// A group is sealed when an arrival comes more than <see cref="ShadowOptions.PredictionGroupSeconds"/> after its
/// first, and at the end of a batch (<see cref="EndBatch"/>): without a <see cref="Scheduler"/> every batch's end (its
/// predictions are made before the batch is acknowledged); with one, every batch's end unless the live simulation has
/// a backlog (its oldest waiting request has waited more than that bound), and then only where no later arrival could join the group any more (the
/// clock is past that bound) or where a request of the batch completed while its prediction waits in it. A run goes
/// through the replica's whole backlog (a saturated replica's is seconds of simulated time), so one run per batch
/// made the prediction cost of an event grow with the batch rate; with a backlog a replica now runs at most one per
/// <see cref="ShadowOptions.PredictionGroupSeconds"/> of production time however many batches bring its arrivals.
/// Without one a run is short, and a group per batch keeps a later batch's arrivals from a clone that has not seen
/// the finishes between (which a gateway's small batches at a few requests a second showed in their TTFT).
/// </para>
/// <para>
/// A sealed group's run depends only on its clone, which has its own execution-time model at the calibration of the
/// group's start, so it gives the same predictions whenever and on whichever thread it runs. With a
/// <see cref="Scheduler"/> the runs go to it, one after another, and <see cref="Collect"/> freezes their results on
/// the owner's thread; without one each runs when sealed.
/// </para>
/// </remarks>
internal sealed class ArrivalPredictions(ShadowOptions options, FinishedOutputPredictor predictor, StepCalibration calibration, ShadowForks forks)
{
    private readonly Queue<(double Time, int Prompt, int MaxTokens)> _recent = new();
    private double _firstArrival = double.NaN;
    private PredictionGroup? _group;
    /// <summary>Sealed groups not yet collected, oldest first: their runs are finished, running or queued.</summary>
    private readonly Queue<PredictionGroup> _sealed = new();
    /// <summary>The last background run: the next one starts after it, so a replica runs one prediction at a time.</summary>
    private Task _tail = Task.CompletedTask;
    /// <summary>Predictions frozen since the last <see cref="TakePredictions"/>: what a replica log entry records.</summary>
    private readonly List<LoggedPrediction> _frozen = [];

    /// <summary>Where sealed groups run (the thread pool, for a grain's shadow), or null: each runs when sealed.</summary>
    public TaskScheduler? Scheduler { get; set; }

    /// <summary>Sealed groups whose predictions are not frozen yet.</summary>
    public int Sealed => _sealed.Count;

    /// <summary>Whether any arrival waits for its prediction (in the open group or a sealed one).</summary>
    public bool AnyPending => _group is not null || _sealed.Count > 0;

    /// <summary>The oldest sealed group's run, or null: what an owner waits for before <see cref="Collect"/>.</summary>
    public Task? Oldest => _sealed.TryPeek(out var g) ? g.Run : null;

    /// <summary>Seals the open group first when <paramref name="t"/> is too far after its first arrival to join it.</summary>
    public void BeforeArrival(double t)
    {
        if (_group is not null && t - _group.Start > options.PredictionGroupSeconds) Seal();
    }

    /// <summary>
    /// At the end of a batch applied up to <paramref name="now"/>: seals the open group unless predictions run on a
    /// <see cref="Scheduler"/> and the replica is <paramref name="backlogged"/> (requests wait in the live simulation
    /// longer than a group lasts), where it stays open to the next batch's arrivals while one at <paramref name="now"/> could still join
    /// it and <paramref name="completionWaits"/> is false (no request completed in it).
    /// </summary>
    public void EndBatch(double now, bool completionWaits, bool backlogged)
    {
        if (Scheduler is null || completionWaits || !backlogged) Seal();
        else BeforeArrival(now);
    }

    /// <summary>Remembers an arrival for the steady arrivals that later predictions assume (replayed ones too).</summary>
    public void Observe(double t, int promptTokens, int liveOutput)
    {
        if (double.IsNaN(_firstArrival)) _firstArrival = t;
        _recent.Enqueue((t, promptTokens, liveOutput));
        if (_recent.Count > options.ArrivalWindow) _recent.Dequeue();
    }

    /// <summary>Adds the request that <paramref name="live"/> simulates to the open group, assuming <paramref name="predictedOutput"/> tokens.</summary>
    public void Add(ShadowRequest tracked, Request live, double t, int predictedOutput)
    {
        tracked.PredictionPending = true;
        tracked.InOpenGroup = true;
        if (_group is null)
        {
            _group = new PredictionGroup(forks.Expected(live.Id, predictedOutput, calibration.Correction), t);
            _group.Targets.Add(live.Id, tracked);
        }
        else
        {
            var target = _group.Clone.Submit(new RequestSpec(t, live.PromptTokens, predictedOutput, PrefixHashes: live.PrefixHashes, TokenIds: live.TokenIds, ExternalCachedTokens: live.ExternalCachedTokens));
            _group.Targets.Add(target.Id, tracked);
        }
        _group.Synthetic = Synthetic(t);
    }

    /// <summary>The steady arrivals a prediction made at <paramref name="now"/> assumes after it.</summary>
    private SyntheticArrivals Synthetic(double now)
    {
        double interval = double.PositiveInfinity;
        int synPrompt = 0, synOutput = 0;
        if (options.SteadyArrivals && _recent.Count >= 2)
        {
            var first = _recent.Peek();
            double span = now - first.Time;
            if (span > 0)
            {
                interval = span / (_recent.Count - 1);
                synPrompt = (int)Math.Round(_recent.Average(a => a.Prompt));
                synOutput = predictor.Predict((int)Math.Round(_recent.Average(a => a.MaxTokens)));
            }
        }
        double end = options.ArrivalsHorizon == ArrivalsHorizon.Unbounded ? double.PositiveInfinity : now + (now - _firstArrival);
        return new SyntheticArrivals(now + interval, interval, synPrompt, synOutput, end);
    }

    /// <summary>Closes the open group to later arrivals and starts its forward run (in the background, or here).</summary>
    public void Seal()
    {
        if (_group is not { } group) return;
        _group = null;
        foreach (var tracked in group.Targets.Values) tracked.InOpenGroup = false;
        if (Scheduler is { } scheduler)
        {
            // Never the caller's scheduler: a grain's would run the simulation on the grain's turn.
            group.Run = _tail.ContinueWith(_ => Run(group), CancellationToken.None, TaskContinuationOptions.None, scheduler);
            _tail = group.Run;
        }
        else
        {
            group.Run = Task.FromResult(Run(group));
        }
        _sealed.Enqueue(group);
    }

    /// <summary>
    /// Freezes the predictions of the sealed groups whose runs have finished, oldest first, up to the first still
    /// running. A run that failed throws here, on the owner's thread.
    /// </summary>
    public void Collect()
    {
        while (_sealed.TryPeek(out var group) && group.Run!.IsCompleted)
        {
            _sealed.Dequeue();
            Freeze(group, group.Run.GetAwaiter().GetResult());
        }
    }

    /// <summary>Seals the open group, runs every sealed one to its end and freezes them all: predictions made now.</summary>
    public void PredictPending()
    {
        Seal();
        while (_sealed.TryDequeue(out var group)) Freeze(group, group.Run!.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Runs the group's clone forward until each of its requests finishes (one run for all). Steady arrivals are
    /// assumed after the last of them, as its own prediction would have.
    /// </summary>
    private List<(ShadowRequest Tracked, Request Done)> Run(PredictionGroup group)
    {
        var clone = group.Clone;
        var watch = new TargetWatch(group.Targets);
        clone.Observer = watch;
        var syn = group.Synthetic;
        double next = syn.Next;
        int synLeft = options.SteadyArrivalsLimit;
        // Bounded so a pathological state cannot hang the replica; a request unfinished by then gets no prediction.
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
        return watch.Finished;
    }

    /// <summary>
    /// Writes the finished targets' TTFT, TPOT and E2E into their records and logs every target's prediction (one the
    /// run did not finish is logged without times, so a restored replica knows it will get none).
    /// </summary>
    private void Freeze(PredictionGroup group, List<(ShadowRequest Tracked, Request Done)> finished)
    {
        foreach (var (tracked, done) in finished)
        {
            // A frontend's arrival is measured from before the engine queued the request (it waits for the step in
            // flight); an engine's queued time from the simulated queueing, which the engine stamps at a step boundary.
            bool frontend = tracked.FrontendArrival;
            tracked.Record = tracked.Record with
            {
                PredictedTtftSeconds = frontend ? done.TtftSeconds : done.EngineTtftSeconds, PredictedTpotSeconds = done.Generated > 1 ? done.TpotSeconds : null,
                PredictedE2eSeconds = frontend ? done.E2eSeconds : done.EngineE2eSeconds,
            };
        }
        foreach (var tracked in group.Targets.Values)
        {
            tracked.PredictionPending = false;
            _frozen.Add(LoggedPrediction.Of(tracked.Record));
        }
    }

    /// <summary>The predictions frozen since the last call, for the replica's log.</summary>
    public LoggedPrediction[] TakePredictions()
    {
        var made = _frozen.ToArray();
        _frozen.Clear();
        return made;
    }
}
