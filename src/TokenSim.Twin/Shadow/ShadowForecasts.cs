using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// A shadow's forecasts: the traffic learned from its arrivals, forecasts forked from its live state
/// (<see cref="ReplicaForecaster"/>), and their scoring against later engine snapshots when that is on.
/// </summary>
internal sealed class ShadowForecasts(int replica, Simulator live, ShadowOptions options, FinishedOutputPredictor predictor, StepCalibration calibration, ShadowForks forks)
{
    private readonly TrafficModel _traffic = new(options.TrafficWindowSeconds);
    private readonly EngineResiduals _residuals = new(options);
    private readonly ForecastScorer? _scorer = options.ForecastScoreIntervalSeconds > 0
        ? new ForecastScorer(options.ForecastScoreIntervalSeconds, options.ForecastScoreHorizons, options.ForecastScoreSeeds, options.ForecastScoreBudget)
        : null;

    /// <summary>An arrival, with the simulated request whose prefix hit the traffic copies once it is admitted.</summary>
    public void ObserveArrival(double t, int promptTokens, int maxTokens, Request simulated) => _traffic.Observe(t, promptTokens, maxTokens, simulated);

    /// <summary>A request production closed: its TPOT against the live simulation's is a measured engine-model error.</summary>
    public void ObserveClosed(ShadowRequest r) => _residuals.Observe(r);

    /// <summary>Where scored forecasts run their seeds, off the caller's turn; null: at the snapshot that issues them.</summary>
    public TaskScheduler? Scheduler { get; set; }

    /// <summary>Scores the forecasts due at a snapshot and issues the next ones.</summary>
    public void OnSnapshot(EngineSnapshotTaken e) => _scorer?.OnSnapshot(live.Now, e.Running, e.Waiting, e.KvCacheUsage, Prepare, Scheduler);

    /// <summary>The scored forecast in flight, or null (it is scored once collected: <see cref="CollectScored"/>).</summary>
    public Task? ScoredRunning => _scorer?.Running;

    /// <summary>Every scored forecast in flight, oldest first.</summary>
    public Task[] AllScoredRunning => _scorer?.AllRunning ?? [];

    /// <summary>Takes in the scored forecast that has finished, and scores the snapshots that queued behind it.</summary>
    public void CollectScored() => _scorer?.Collect();

    /// <summary>The traffic learned from recent arrivals, at the replica's clock.</summary>
    public TrafficEstimate Traffic => _traffic.Estimate(live.Now) with
    {
        FinishedOutputTokens = predictor.Recent.Select(r => r.Output).ToArray(), FinishedMaxTokens = predictor.Recent.Select(r => r.MaxTokens).ToArray(),
    };

    public ForecastScore[] Scores => _scorer?.Scores ?? [];

    public (long Issued, long Skipped) Scored => _scorer is null ? (0, 0) : (_scorer.Issued, _scorer.Skipped);

    public ReplicaForecast Forecast(ForecastSpec spec)
    {
        int maxLen = live.Options.Replica.MaxModelLen;
        var traffic = spec.Traffic ?? _traffic.Estimate(live.Now);
        // The replica's own traffic copies its recent requests' cached prefixes; a spread one only their hit sizes.
        var sources = spec.Traffic is null ? _traffic.Sources() : null;
        // A replica that has seen nothing finish (one a forecast adds) draws from the finishes the traffic carries.
        var lengths = predictor;
        if (lengths.Count == 0 && traffic.FinishedOutputTokens.Length > 0)
        {
            lengths = new FinishedOutputPredictor(options.OutputPredictor, options.PredictorWindow, options.PriorOutputTokens);
            for (int i = 0; i < traffic.FinishedOutputTokens.Length; i++) lengths.Observe(traffic.FinishedOutputTokens[i], traffic.FinishedMaxTokens[i]);
        }
        var scenario = spec.Scenario is { } yaml ? ForecastScenario.For(ForecastScenario.Read(yaml, spec.ScenarioReplicas), replica, spec.ScenarioReplicas) : null;
        // The intervals a caller reads are widened as the scored ones are (ForecastSummary), so their measured coverage is theirs.
        return ReplicaForecaster.Run(replica, live.Now, spec, traffic, maxLen, forks.Sampled,
            (cap, random) => lengths.Sample(cap, 0, random), calibration: calibration.Scale, sources: sources, underEngineError: UnderEngineError,
            scenario: scenario, stream: ReplicaForecaster.StreamOf(replica, live.Now))
            with { Widening = _scorer?.Widening ?? [] };
    }

    /// <summary>What the replica holds now in each seed's fork, for a deployment-wide fork (<see cref="FleetForecaster"/>).</summary>
    public LiveReplicaState Held(int seeds)
    {
        double clock = live.Now;
        var forked = ReplicaForecaster.Fork(seeds, (_, random) => forks.Sampled(random));
        var c = calibration.Correction;
        // Each seed's engine-model error, from the seed's own stream: what this replica's own forecast draws for it.
        var drawn = forked.Select(f => EngineError(ReplicaForecaster.EngineErrorStream(f.Seed))).ToArray();
        return new LiveReplicaState
        {
            ClockSeconds = clock, Held = forked.Select(f => ReplicaForecaster.Held(f.Sim, clock)).ToArray(), Traffic = Traffic,
            KernelScale = c.KernelScale, PrefillStepSeconds = c.PrefillStepSeconds,
            SeedKernelScales = drawn.Select(d => d.KernelScale).ToArray(), SeedPrefillStepSeconds = drawn.Select(d => d.PrefillStepSeconds).ToArray(),
        };
    }

    /// <summary>
    /// <see cref="Forecast"/> in two parts: what reads the live state (the traffic, a copy of the learned lengths, each
    /// seed's fork stepping on a model of its own at its drawn engine-model error) now, and the seeds' forward runs in
    /// the function returned, which may run on another thread. Its result is <see cref="Forecast"/>'s at this moment.
    /// </summary>
    public Func<ReplicaForecast> Prepare(ForecastSpec spec)
    {
        int maxLen = live.Options.Replica.MaxModelLen;
        double clock = live.Now, scale = calibration.Scale;
        var traffic = spec.Traffic ?? _traffic.Estimate(clock);
        var sources = spec.Traffic is null ? _traffic.Sources() : null;
        FinishedOutputPredictor lengths;
        if (predictor.Count == 0 && traffic.FinishedOutputTokens.Length > 0)
        {
            lengths = new FinishedOutputPredictor(options.OutputPredictor, options.PredictorWindow, options.PriorOutputTokens);
            for (int i = 0; i < traffic.FinishedOutputTokens.Length; i++) lengths.Observe(traffic.FinishedOutputTokens[i], traffic.FinishedMaxTokens[i]);
        }
        else lengths = predictor.Copy();
        var scenario = spec.Scenario is { } yaml ? ForecastScenario.For(ForecastScenario.Read(yaml, spec.ScenarioReplicas), replica, spec.ScenarioReplicas) : null;
        var widening = _scorer?.Widening ?? [];
        // The engine error's stream is the seed's own (ReplicaForecaster), so drawing it before the fork draws what
        // UnderEngineError draws on the turn.
        var forked = ReplicaForecaster.Fork(spec.Seeds, (seed, random) => forks.Sampled(random, EngineError(ReplicaForecaster.EngineErrorStream(seed))),
            ReplicaForecaster.StreamOf(replica, clock));
        return () => ReplicaForecaster.Run(replica, clock, spec, traffic, maxLen, forked, (cap, random) => lengths.Sample(cap, 0, random),
            calibration: scale, sources: sources, scenario: scenario) with { Widening = widening };
    }

    /// <summary>
    /// Runs a seed under a drawn engine-model error: a step-time correction drawn from the online fit's uncertainty
    /// (<see cref="StepCalibration.Sample"/>: how well its two parameters are known), its kernel scale times a factor
    /// drawn from the measured TPOT residuals (<see cref="EngineResiduals"/>: how far stretches of production's steps
    /// stray from the fitted model, which the fit's standard errors do not say).
    /// </summary>
    private void UnderEngineError(TokenSim.Core.Randomness.SimRandom random, Action run)
    {
        var drawn = EngineError(random);
        if (drawn == calibration.Correction) { run(); return; }
        calibration.RunAt(drawn, run);
    }

    /// <summary>One seed's step-time correction: the fit's draw, its kernel scale times the residuals' factor.</summary>
    private StepCorrection EngineError(TokenSim.Core.Randomness.SimRandom random)
    {
        var drawn = calibration.Sample(random.NextInt(int.MinValue, int.MaxValue));
        double factor = _residuals.Draw(random);
        return factor == 1 ? drawn : drawn with { KernelScale = drawn.KernelScale * factor };
    }
}
