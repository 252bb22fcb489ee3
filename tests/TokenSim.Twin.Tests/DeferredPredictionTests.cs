using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// Arrival predictions run off the batch (<see cref="ReplicaShadow.PredictionScheduler"/>), as a replica grain runs
/// them after its acknowledgement, against the same batches predicted as each ends: the records, the completions
/// reported and the evictions are the same once the runs are collected, and nothing is evicted or reported before its
/// prediction is frozen. The calibration learns between batches (each finish's observed TPOT is three times the
/// simulated one), so a run that stepped at the correction of when it ran rather than of its arrival would differ.
/// </summary>
public sealed class DeferredPredictionTests
{
    private const int MaxRecords = 4;

    private static ReplicaShadow NewShadow(TaskScheduler? scheduler) => new(0,
        DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "hand", Model = "llama-3.1-8b", Hardware = "a100-80g", KvBlocks = 1000, MaxModelLen = 4096 }),
        _ => new FixedStepModel(0.010), new ShadowOptions { MaxRecords = MaxRecords }) { PredictionScheduler = scheduler };

    /// <summary>
    /// Batch k: three arrivals at k s (20 tokens each), and the first tokens and finishes of batch k - 1's arrivals,
    /// first token 20 ms after arrival, finish 600 ms after it (TPOT 30.5 ms against the simulation's 10 ms).
    /// </summary>
    private static TwinEvent[] Batch(int k)
    {
        var events = new List<TwinEvent>();
        for (int j = 0; k > 0 && j < 3; j++)
        {
            string id = $"r{k - 1}-{j}";
            double at = k - 1 + 0.001 * j;
            events.Add(new FirstTokenProduced { EventId = id + "/f", Replica = 0, TimeSeconds = at + 0.02, RequestId = id });
            events.Add(new RequestFinished { EventId = id + "/d", Replica = 0, TimeSeconds = at + 0.6, RequestId = id, OutputTokens = 20 });
        }
        for (int j = 0; j < 3; j++)
            events.Add(new RequestArrived { EventId = $"r{k}-{j}/a", Replica = 0, TimeSeconds = k + 0.001 * j, RequestId = $"r{k}-{j}", PromptTokens = 100, MaxTokens = 20 });
        return [.. events];
    }

    private static void Apply(ReplicaShadow shadow, TwinEvent[] batch)
    {
        foreach (var e in batch) Assert.Equal(EventOutcome.Applied, shadow.ApplyDeferred(e));
        shadow.EndBatch();
    }

    [Fact]
    public void DeferredRuns_OnceCollected_GiveWhatRunsAtEachBatchEndGive_AndHoldBackWhatIsNotPredicted()
    {
        var atEnd = NewShadow(null);
        var scheduler = new ManualTaskScheduler();
        var deferred = NewShadow(scheduler);
        var reportedAtEnd = new List<RequestAccuracy>();
        var reportedDeferred = new List<RequestAccuracy>();
        for (int k = 0; k < 8; k++)
        {
            var batch = Batch(k);
            Apply(atEnd, batch);
            reportedAtEnd.AddRange(atEnd.TakeCompleted());
            Apply(deferred, batch);
            // The batch has ended and its arrivals' run is queued, not run: their records wait without predictions.
            Assert.True(scheduler.Queued >= 1);
            Assert.All(deferred.Requests.Where(r => r.RequestId.StartsWith($"r{k}-", StringComparison.Ordinal)), r => Assert.Null(r.PredictedTtftSeconds));
            if (k % 3 == 1)
            {
                // Batch k - 1's requests finished here, but their run has not: they are neither reported as completed
                // nor evicted, while the shadow that predicted at the batch's end reported and evicted them.
                Assert.Empty(deferred.TakeCompleted());
                if (k == 1)
                {
                    Assert.Equal(6, deferred.Requests.Count());
                    Assert.Equal(MaxRecords, atEnd.Requests.Count());
                }
            }
            if (k % 3 == 2)
            {
                int ran = scheduler.RunAll();
                Assert.True(ran >= 2, $"{ran} runs");
                Assert.Equal(ran, deferred.PredictionsRunning);
                deferred.CollectPredictions();
                Assert.Equal(0, deferred.PredictionsRunning);
            }
            reportedDeferred.AddRange(deferred.TakeCompleted());
        }
        scheduler.RunAll();
        deferred.CollectPredictions();
        reportedDeferred.AddRange(deferred.TakeCompleted());
        Apply(atEnd, Batch(8));
        reportedAtEnd.AddRange(atEnd.TakeCompleted());
        Apply(deferred, Batch(8));
        scheduler.RunAll();
        deferred.CollectPredictions();
        reportedDeferred.AddRange(deferred.TakeCompleted());

        Assert.NotEqual(1.0, atEnd.Calibration);
        Assert.Equal(atEnd.Calibration, deferred.Calibration);
        Assert.Equal(atEnd.Requests, deferred.Requests);
        Assert.All(atEnd.Requests, r => Assert.NotNull(r.PredictedTtftSeconds));
        // Eight batches of three finished: the bound keeps 4 records, the three open ones of batch 8 and the newest closed one.
        Assert.Equal(MaxRecords, deferred.Requests.Count());
        Assert.Equal("r7-2", deferred.Requests.First().RequestId);
        Assert.Equal(24, reportedAtEnd.Count);
        Assert.Equal(reportedAtEnd.OrderBy(r => r.RequestId, StringComparer.Ordinal), reportedDeferred.OrderBy(r => r.RequestId, StringComparer.Ordinal));
        Assert.All(reportedDeferred, r => Assert.NotNull(r.PredictedE2eSeconds));
        Assert.Equal(atEnd.Totals.Closed, deferred.Totals.Closed);
        Assert.Equal(atEnd.Totals.Evicted, deferred.Totals.Evicted);
        Assert.Equal(atEnd.Totals.E2e.AbsErrorPct.Count, deferred.Totals.E2e.AbsErrorPct.Count);
    }
}
