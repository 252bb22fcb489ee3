using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Validation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;
using TokenSim.Twin.Shadow;
using Xunit.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The measured RTX PRO 6000 run (a 30 s burst at 10 req/s that then drains) through the replica shadow with its
/// engine snapshots: forecasts scored on the production clock beat "stays as now" at 5, 10 and 20 s.
/// </summary>
public sealed class ForecastScoringRunTests(ITestOutputHelper output)
{
    internal static List<TwinEvent> WithSnapshots(VllmBenchRun run)
    {
        var events = TestData.RunEvents(run);
        foreach (var tick in run.TimeSeries)
        {
            if (tick.Running is null || tick.Waiting is null) continue;
            double t = tick.Time - run.SeriesOffset;
            if (t < 0) continue;
            events.Add(new EngineSnapshotTaken
            {
                EventId = FormattableString.Invariant($"snapshot/{tick.Time:R}"), Replica = 0, TimeSeconds = t, 
                Running = (int)tick.Running.Value, Waiting = (int)tick.Waiting.Value, KvCacheUsage = tick.KvCachePct / 100,
            });
        }
        // Stable: a snapshot stays after the request events of its instant, as the replay sends them.
        return events.OrderBy(e => e.TimeSeconds).ToList();
    }

    [Fact]
    public void MeasuredRun_ForecastsBeatPersistence_RunningAndWaiting_At5_10_20s()
    {
        var run = VllmBenchRun.Read(TestData.RunDir);
        var spec = DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "run", Model = run.ModelId, Hardware = run.HardwareName, MaxNumSeqs = run.Engine.MaxNumSeqs, MaxNumBatchedTokens = run.Engine.MaxNumBatchedTokens });
        var shadow = new ReplicaShadow(0, spec, ExecutionTimeModels.Parse("profile:" + TestData.ProfileDir), new ShadowOptions());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var e in WithSnapshots(run))
            Assert.Equal(EventOutcomeKind.Applied, shadow.Apply(e).Kind);
        output.WriteLine($"applied in {clock.Elapsed.TotalSeconds:F2} s; forecasts issued {shadow.ForecastsScored.Issued}, skipped {shadow.ForecastsScored.Skipped}");
        var scores = shadow.ForecastScores;
        foreach (var s in scores) output.WriteLine($"{s.Metric} h{s.HorizonSeconds}: {s.Points} points, MAE {s.Mae:F2}, naive {s.NaiveMae:F2}, coverage {s.Coverage80:P0}, pinball {s.PinballLoss:F2}");
        Assert.DoesNotContain(scores, s => s.Metric == "kv");
        foreach (var metric in new[] { "running", "waiting" })
            foreach (var h in new[] { 5.0, 10, 20 })
            {
                var s = Assert.Single(scores, x => x.Metric == metric && x.HorizonSeconds == h);
                Assert.InRange(s.Points, 40, 70);
                Assert.True(s.Mae < s.NaiveMae, $"{metric} h{h}: MAE {s.Mae:F2} is not below naive {s.NaiveMae:F2}");
            }
    }
}
