using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Each arrival's frozen prediction of its TTFT, TPOT and E2E. Arrivals wait in a <see cref="PredictionGroup"/> until
/// <see cref="PredictPending"/>, so that the arrivals of one batch share a clone and a forward run. A later arrival's
/// prediction therefore knows what the first one's knew (no finish, abort or learning after it), never anything from
/// after its own arrival; arrivals more than <see cref="ShadowOptions.PredictionGroupSeconds"/> after the first start
/// a new group.
/// </summary>
internal sealed class ArrivalPredictions(ShadowOptions options, FinishedOutputPredictor predictor, StepCalibration calibration, ShadowForks forks)
{
    private readonly Queue<(double Time, int Prompt, int MaxTokens)> _recent = new();
    private double _firstArrival = double.NaN;
    private PredictionGroup? _group;
    /// <summary>Predictions frozen since the last <see cref="TakePredictions"/>: what a replica log entry records.</summary>
    private readonly List<LoggedPrediction> _frozen = [];

    /// <summary>Predicts the pending group first when <paramref name="t"/> is too far after its first arrival to join it.</summary>
    public void BeforeArrival(double t)
    {
        if (_group is not null && t - _group.Start > options.PredictionGroupSeconds) PredictPending();
    }

    /// <summary>Remembers an arrival for the steady arrivals that later predictions assume (replayed ones too).</summary>
    public void Observe(double t, int promptTokens, int liveOutput)
    {
        if (double.IsNaN(_firstArrival)) _firstArrival = t;
        _recent.Enqueue((t, promptTokens, liveOutput));
        if (_recent.Count > options.ArrivalWindow) _recent.Dequeue();
    }

    /// <summary>Adds the request that <paramref name="live"/> simulates to the pending group, assuming <paramref name="predictedOutput"/> tokens.</summary>
    public void Add(ShadowRequest tracked, Request live, double t, int predictedOutput)
    {
        if (_group is null)
        {
            _group = new PredictionGroup(forks.Expected(live.Id, predictedOutput), t, calibration.Correction);
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

    /// <summary>
    /// Runs the pending group's clone forward until each of its requests finishes (one run for all) and freezes their
    /// TTFT, TPOT and E2E. Steady arrivals are assumed after the last of them, as its own prediction would have.
    /// </summary>
    public void PredictPending()
    {
        if (_group is not { } group) return;
        _group = null;
        var clone = group.Clone;
        var watch = new TargetWatch(group.Targets);
        clone.Observer = watch;
        var syn = group.Synthetic;
        calibration.RunAt(group.Correction, () =>
        {
            double next = syn.Next;
            int synLeft = options.SteadyArrivalsLimit;
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
        });
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
