using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Forecasts forked on the replica's turn and run off it (<see cref="ReplicaShadow.PrepareForecast"/>, the scored ones
/// on <see cref="ReplicaShadow.PredictionScheduler"/>) against forecasts run where they are issued. Between the fork and
/// the run the shadow learns on: each finish's observed TPOT is three times the simulated one, so the step correction,
/// the output lengths and the engine-model residuals all move, and a run that read any of them when it ran rather than
/// when it was forked would differ.
/// </summary>
public sealed class DeferredForecastTests
{
    private static ReplicaShadow NewShadow(TaskScheduler? scheduler, double scoreInterval = 0) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
        _ => new FixedStepModel(0.010), new ShadowOptions { ForecastScoreIntervalSeconds = scoreInterval, ForecastScoreHorizons = [1, 2], ForecastScoreSeeds = 3 })
    { PredictionScheduler = scheduler, ForecastScheduler = scheduler };

    /// <summary>
    /// Batch k: three arrivals at k s (100 prompt tokens, up to 20 out), the first tokens and finishes of batch k - 1's
    /// (first token 20 ms after arrival, finish 600 ms after it), and an engine snapshot at k + 0.5 s.
    /// </summary>
    private static TwinEvent[] Batch(int k)
    {
        var events = new List<TwinEvent>();
        for (int j = 0; k > 0 && j < 3; j++)
        {
            string id = $"r{k - 1}-{j}";
            double at = k - 1 + 0.001 * j;
            events.Add(new FirstTokenProduced { EventId = id + "/f", Replica = 0, TimeSeconds = at + 0.02, RequestId = id });
            events.Add(new RequestFinished { EventId = id + "/d", Replica = 0, TimeSeconds = at + 0.6, RequestId = id, OutputTokens = 10 + 3 * j + k });
        }
        for (int j = 0; j < 3; j++)
            events.Add(new RequestArrived { EventId = $"r{k}-{j}/a", Replica = 0, TimeSeconds = k + 0.001 * j, RequestId = $"r{k}-{j}", PromptTokens = 100, MaxTokens = 20 });
        events.Add(new EngineSnapshotTaken { EventId = $"s{k}", Replica = 0, TimeSeconds = k + 0.5, Running = 3 + k % 2, Waiting = k % 3, KvCacheUsage = 0.1 * (k % 4) });
        return [.. events];
    }

    private static void Apply(ReplicaShadow shadow, TwinEvent[] batch)
    {
        foreach (var e in batch) Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(e));
        shadow.EndBatch();
    }

    [Fact]
    public void PreparedForecast_RunAfterTheShadowLearnedOn_IsTheForecastOfWhenItWasForked()
    {
        var shadow = NewShadow(null);
        for (int k = 0; k < 5; k++) Apply(shadow, Batch(k));
        var spec = new ForecastSpec { HorizonSeconds = 6, StepSeconds = 1, Seeds = 4 };
        var onTurn = shadow.Forecast(spec);
        var prepared = shadow.PrepareForecast(spec);
        double calibration = shadow.Calibration;
        for (int k = 5; k < 9; k++) Apply(shadow, Batch(k));

        Assert.NotEqual(calibration, shadow.Calibration);
        Assert.True(onTurn.SimulatedSteps > 0);
        ForecastAssert.Same(onTurn, prepared());
        // The state did move: a forecast now is another one.
        Assert.NotEqual(onTurn.ClockSeconds, shadow.Forecast(spec).ClockSeconds);
    }

    [Fact]
    public void ScoredForecasts_RunOffTheBatch_ScoreAsThoseRunAtTheirSnapshots()
    {
        var atSnapshot = NewShadow(null, scoreInterval: 1);
        var scheduler = new ManualTaskScheduler();
        var deferred = NewShadow(scheduler, scoreInterval: 1);
        for (int k = 0; k < 10; k++)
        {
            Apply(atSnapshot, Batch(k));
            Apply(deferred, Batch(k));
            // The batch is applied with its snapshot's forecast issued and not run: nothing of it is scored yet.
            Assert.NotNull(deferred.ScoredForecastRunning);
            Assert.Equal(atSnapshot.ForecastsScored, deferred.ForecastsScored);
            if (k >= 2) Assert.NotEqual(atSnapshot.ForecastScores.Sum(s => s.Points), deferred.ForecastScores.Sum(s => s.Points));
            scheduler.RunAll();
            deferred.CollectScoredForecasts();
            Assert.Null(deferred.ScoredForecastRunning);
        }
        Assert.Equal((10L, 0L), deferred.ForecastsScored);
        Assert.NotEmpty(atSnapshot.ForecastScores);
        Assert.Equal(atSnapshot.ForecastScores, deferred.ForecastScores);
    }

    [Fact]
    public void ScoredForecasts_DueWhileTheBoundRun_RunAtTheirSnapshots_AndAllAreScoredInOrderOnceCollected()
    {
        Assert.Equal(4, ForecastScorer.MaxInFlight);
        var atSnapshot = NewShadow(null, scoreInterval: 1);
        var scheduler = new ManualTaskScheduler();
        // Predictions at their batches, so that what the scheduler holds is the forecasts alone.
        var deferred = NewShadow(null, scoreInterval: 1);
        deferred.ForecastScheduler = scheduler;
        for (int k = 0; k < 6; k++)
        {
            Apply(atSnapshot, Batch(k));
            Apply(deferred, Batch(k));
        }
        // Issued at 0.5, 1.5, 2.5 and 3.5 s on the scheduler; due again at 4.5 and 5.5 s while those four are held:
        // run at their snapshots, none skipped, and none scored while the first is held.
        Assert.Equal((6L, 0L), deferred.ForecastsScored);
        Assert.Equal(4, scheduler.Queued);
        Assert.Empty(deferred.ForecastScores);
        Assert.Equal(4, scheduler.RunAll());
        deferred.CollectScoredForecasts();
        Assert.Null(deferred.ScoredForecastRunning);
        // The forecast issued at k + 0.5 s is scored at 1 s by the snapshot at k + 1.5 (k = 0..4) and at 2 s by the
        // one at k + 2.5 (k = 0..3), against the naive forecast of its own snapshot (running 3 + k % 2, waiting k % 3):
        // running |1| x 5 and 0 x 4; waiting 1 + 1 + 2 + 1 + 1 and 2 + 1 + 1 + 2.
        var scores = deferred.ForecastScores.ToDictionary(s => (s.Metric, s.HorizonSeconds));
        Assert.Equal((5L, 5.0), (scores[("running", 1)].Points, scores[("running", 1)].NaiveAbsErrorSum));
        Assert.Equal((4L, 0.0), (scores[("running", 2)].Points, scores[("running", 2)].NaiveAbsErrorSum));
        Assert.Equal((5L, 6.0), (scores[("waiting", 1)].Points, scores[("waiting", 1)].NaiveAbsErrorSum));
        Assert.Equal((4L, 6.0), (scores[("waiting", 2)].Points, scores[("waiting", 2)].NaiveAbsErrorSum));
        Assert.Equal(atSnapshot.ForecastsScored, deferred.ForecastsScored);
        Assert.Equal(atSnapshot.ForecastScores, deferred.ForecastScores);
    }
}
