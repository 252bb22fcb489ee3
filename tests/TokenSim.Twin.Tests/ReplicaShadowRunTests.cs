using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Validation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Shadow;
using Xunit.Abstractions;

namespace TokenSim.Twin.Tests;

/// <summary>The shadow of the measured RTX PRO 6000 run, fed the events production would have sent.</summary>
public sealed class ReplicaShadowRunTests(ITestOutputHelper output)
{
    [Fact]
    public void MeasuredRun_PredictionsAtArrival_MeanTtftAndTpotWithinFivePercent()
    {
        var run = VllmBenchRun.Read(TestData.RunDir);
        var spec = DeploymentSpecs.Build(new TwinDeploymentSpec { Name = "run", Model = run.ModelId, Hardware = run.HardwareName, MaxNumSeqs = run.Engine.MaxNumSeqs, MaxNumBatchedTokens = run.Engine.MaxNumBatchedTokens });
        var shadow = new ReplicaShadow(0, spec, ExecutionTimeModels.Parse("profile:" + TestData.ProfileDir), new ShadowOptions());
        foreach (var e in TestData.RunEvents(run))
            Assert.Equal(EventOutcomeKind.Applied, shadow.Apply(e).Kind);
        var records = shadow.Requests.ToList();
        Assert.Equal(run.Requests.Count, records.Count);
        var ttft = MetricComparison.Of("TTFT", records.Select(r => r.ObservedTtftSeconds!.Value).ToList(), records.Select(r => r.PredictedTtftSeconds!.Value).ToList());
        var tpotPairs = records.Where(r => r.ObservedTpotSeconds is not null && r.PredictedTpotSeconds is not null).ToList();
        var tpot = MetricComparison.Of("TPOT", tpotPairs.Select(r => r.ObservedTpotSeconds!.Value).ToList(), tpotPairs.Select(r => r.PredictedTpotSeconds!.Value).ToList());
        output.WriteLine($"TTFT mean {ttft.Measured.Mean:F3} vs {ttft.Simulated.Mean:F3} ({ttft.ErrorPct.Mean:+0.0;-0.0}%), per-request |err| p50 {ttft.PerRequestAbsErrP50Pct:F1}%");
        output.WriteLine($"TPOT mean {tpot.Measured.Mean * 1000:F2} vs {tpot.Simulated.Mean * 1000:F2} ms ({tpot.ErrorPct.Mean:+0.0;-0.0}%), per-request |err| p50 {tpot.PerRequestAbsErrP50Pct:F1}%");
        Assert.InRange(ttft.ErrorPct.Mean, -5, 5);
        Assert.InRange(ttft.PerRequestAbsErrP50Pct, 0, 10);
        Assert.InRange(tpot.ErrorPct.Mean, -5, 5);
    }
}
