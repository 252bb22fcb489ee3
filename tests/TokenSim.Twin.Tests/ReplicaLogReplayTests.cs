using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Validation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;
using TokenSim.Twin.Storage;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica rebuilt from its log (what a reactivation on any silo does with Redis persistence) is the replica that
/// wrote it: same simulation, records, calibration and seen ids, so it goes on predicting exactly as if it had never
/// stopped. The measured run's events, in batches as the grain applies them.
/// </summary>
public sealed class ReplicaLogReplayTests
{
    private const int BatchEvents = 40;

    private static ReplicaLive NewLive(int maxRecords = 100_000)
    {
        var run = VllmBenchRun.Read(TestData.RunDir);
        var spec = DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "run", Model = run.ModelId, Hardware = run.HardwareName, MaxNumSeqs = run.Engine.MaxNumSeqs, MaxNumBatchedTokens = run.Engine.MaxNumBatchedTokens });
        return new ReplicaLive(new ReplicaShadow(0, spec, ExecutionTimeModels.Parse("profile:" + TestData.ProfileDir), new ShadowOptions { MaxRecords = maxRecords }), new SeenEventWindow(1_000_000));
    }

    /// <summary>The run's events with an engine snapshot every half second (KV use reported on every other one).</summary>
    private static List<TwinEvent[]> Batches()
    {
        var events = TestData.RunEvents(VllmBenchRun.Read(TestData.RunDir));
        double end = events[^1].TimeSeconds;
        for (int k = 0; k * 0.5 < end; k++)
            events.Add(new EngineSnapshotTaken { EventId = $"snap{k}", Replica = 0, TimeSeconds = k * 0.5 + 0.25, Running = 10, Waiting = 2, KvCacheUsage = k % 2 == 0 ? 0.4 : null });
        var ordered = events.OrderBy(e => e.TimeSeconds).ToList();
        return ordered.Chunk(BatchEvents).ToList();
    }

    /// <summary>What the replica grain does with a batch: apply, predict, and the log entry it appends.</summary>
    private static ReplicaLogEntry Apply(ReplicaLive live, TwinEvent[] batch)
    {
        foreach (var e in batch)
        {
            Assert.Equal(EventOutcomeKind.Applied, live.Shadow.ApplyDeferred(e).Kind);
            live.Seen.Add(e.EventId);
        }
        live.Shadow.PredictPending();
        live.Shadow.TakeCompleted();
        var entry = new ReplicaLogEntry(live.Sequence + 1, batch, live.Shadow.TakePredictions());
        live.Sequence = entry.Sequence;
        return entry;
    }

    [Fact]
    public void ReplayedHalfway_SameStateAsTheOriginal_AndTheSamePredictionsAfterwards()
    {
        var batches = Batches();
        var original = NewLive();
        var log = new List<ReplicaLogEntry>();
        int half = batches.Count / 2;
        for (int b = 0; b < half; b++) log.Add(Apply(original, batches[b]));
        Assert.True(original.Shadow.Calibration != 1, "halfway through the run the calibration has learned from finishes");

        var restored = NewLive();
        foreach (var entry in log) restored.Replay(entry);

        Assert.Equal(original.Sequence, restored.Sequence);
        Assert.Equal(original.Shadow.Status, restored.Shadow.Status);
        Assert.Equal(original.Shadow.Calibration, restored.Shadow.Calibration);
        Assert.Equal(original.Shadow.Requests, restored.Shadow.Requests);
        Assert.Equal(original.Seen.Count, restored.Seen.Count);
        Assert.Empty(restored.Shadow.TakeCompleted()); // reported when first applied, not again
        // A retry of an acknowledged event is recognised.
        Assert.True(restored.Seen.Contains(batches[half - 1][^1].EventId));

        for (int b = half; b < batches.Count; b++)
        {
            Apply(original, batches[b]);
            Apply(restored, batches[b]);
        }
        var after = restored.Shadow.Requests.ToList();
        Assert.Equal(original.Shadow.Requests, after);
        Assert.All(after, r => Assert.NotNull(r.PredictedTtftSeconds));
        Assert.Equal(original.Shadow.Status, restored.Shadow.Status);
    }

    [Fact]
    public void Replay_WithAGap_IsRefused()
    {
        var batches = Batches();
        var live = NewLive();
        var first = Apply(live, batches[0]);
        var second = Apply(live, batches[1]);
        var restored = NewLive();
        restored.Replay(first);
        var gap = second with { Sequence = 3 };
        Assert.Contains("follows entry 1", Assert.Throws<InvalidDataException>(() => restored.Replay(gap)).Message);
    }

    [Fact]
    public void BoundedRecords_KeepTheNewest_AndTotalsStillCoverEveryClosedRequest()
    {
        var batches = Batches();
        var unbounded = NewLive();
        var bounded = NewLive(maxRecords: 64);
        var log = new List<ReplicaLogEntry>();
        foreach (var batch in batches)
        {
            Apply(unbounded, batch);
            log.Add(Apply(bounded, batch));
            // Open requests are never evicted (at the burst's peak more than 64 are open); closed ones are, oldest first.
            Assert.InRange(bounded.Shadow.Requests.Count(r => r.ObservedE2eSeconds is not null), 0, 64);
        }
        var all = unbounded.Shadow.Requests.ToList();
        var kept = bounded.Shadow.Requests.ToList();
        Assert.Equal(300, all.Count);
        // Every request has closed by the end: an eviction leaves 15/16 of the bound, so 60 to 64 records are kept,
        // the last to arrive among them, with the same predictions and observations.
        Assert.InRange(kept.Count, 60, 64);
        var byId = all.ToDictionary(r => r.RequestId);
        Assert.All(kept, r => Assert.Equal(byId[r.RequestId], r));
        Assert.Contains(all[^1], kept);

        var totals = bounded.Shadow.Totals;
        Assert.Equal(300, totals.Closed);
        Assert.Equal(300 - kept.Count, totals.Evicted);
        // Exact aggregates: the same as computed from every record.
        var ttft = MetricComparison.Of("TTFT", all.Select(r => r.ObservedTtftSeconds!.Value).ToList(), all.Select(r => r.PredictedTtftSeconds!.Value).ToList());
        Assert.Equal(300, totals.Ttft.Observed.Count);
        Assert.Equal(ttft.Measured.Mean, totals.Ttft.Observed.Mean, 9);
        Assert.Equal(ttft.Simulated.Mean, totals.Ttft.Predicted.Mean, 9);
        Assert.Equal(ttft.PerRequestMapePct, totals.Ttft.AbsErrorPct.Mean, 9);
        // Quantiles from 1% buckets: within 1% of the nearest-rank value.
        Assert.Equal(ttft.Measured.P50, totals.Ttft.Observed.Quantile(0.5), ttft.Measured.P50 * 0.01);
        Assert.Equal(ttft.PerRequestAbsErrP90Pct, totals.Ttft.AbsErrorPct.Quantile(0.9), ttft.PerRequestAbsErrP90Pct * 0.01);
        // The unbounded replica's totals agree.
        Assert.Equal(unbounded.Shadow.Totals.Tpot.Observed.Sum, totals.Tpot.Observed.Sum, 9);
        Assert.Equal(0, unbounded.Shadow.Totals.Evicted);

        // Evictions happen at batch ends only, so a bounded replica restored from its log keeps the same records.
        var restored = NewLive(maxRecords: 64);
        foreach (var entry in log) restored.Replay(entry);
        Assert.Equal(kept, restored.Shadow.Requests);
        var again = restored.Shadow.Totals;
        Assert.Equal((totals.Closed, totals.Evicted, totals.E2e.AbsErrorPct.Sum), (again.Closed, again.Evicted, again.E2e.AbsErrorPct.Sum));
    }

    [Fact]
    public void KvSeries_ObservedOnlyWhereReported_SimulatedAtEverySnapshot()
    {
        var live = NewLive();
        foreach (var batch in Batches()) Apply(live, batch);
        var s = live.Shadow.Status;
        Assert.True(s.Snapshots > 20);
        Assert.Equal((s.Snapshots + 1) / 2, s.KvSnapshots);
        Assert.Equal(0.4, s.ObservedKvUsageMean!.Value, 9);
        Assert.InRange(s.SimulatedKvUsageMean, 0.001, 1);
        Assert.InRange(s.SimulatedKvUsageMeanAtObserved!.Value, 0.001, 1);

        var silent = NewLive();
        Apply(silent, [new EngineSnapshotTaken { EventId = "s", Replica = 0, TimeSeconds = 1, Running = 0, Waiting = 0 }]);
        Assert.Equal((1, 0), (silent.Shadow.Status.Snapshots, silent.Shadow.Status.KvSnapshots));
        Assert.Null(silent.Shadow.Status.ObservedKvUsageMean);
        Assert.Null(silent.Shadow.Status.SimulatedKvUsageMeanAtObserved);
    }
}
