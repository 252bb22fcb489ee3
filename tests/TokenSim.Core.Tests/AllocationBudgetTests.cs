using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

/// <summary>
/// Paths the twin runs per event or per prediction, held to an allocation budget counted on the test's own thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>: deterministic, unlike a timing). Each is run once first so that
/// what the JIT and static initialisers allocate is not counted.
/// </summary>
public class AllocationBudgetTests
{
    [Fact]
    public void ComparingEventKeys_AllocatesNothing()
    {
        // Equal times, so the comparison reaches the kinds (an enum's CompareTo boxed both of them).
        var a = new EventKey(1.5, EventKind.Arrival, 7);
        var b = new EventKey(1.5, EventKind.StepEnd, 3);
        int sign = a.CompareTo(b);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) sign += a.CompareTo(b) + b.CompareTo(a);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(-1, Math.Sign(a.CompareTo(b)));
        Assert.Equal(1, Math.Sign(b.CompareTo(a)));
        Assert.Equal(0, new EventKey(1.5, EventKind.Wake, 2).CompareTo(new EventKey(1.5, EventKind.Wake, 2)));
    }

    [Fact]
    public void FittingTheTwinsWindows_AllocatesTheirCopiesNotASortPerIteration()
    {
        // 256 windows, the twin's default, a tenth of them far off so the robust fit iterates.
        var rng = new Random(3);
        var windows = new StepWindow[256];
        for (int i = 0; i < windows.Length; i++)
        {
            double model = 0.010 + 0.030 * rng.NextDouble(), share = 0.6 * rng.NextDouble();
            double y = 1.2 * model + 2e-3 * share;
            windows[i] = new StepWindow(model, share, y * (i % 10 == 0 ? 1.5 : 1 + 0.01 * (rng.NextDouble() - 0.5)), 100);
        }
        var first = StepCorrectionFit.Fit(windows);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var again = StepCorrectionFit.Fit(windows);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(first, again);
        Assert.InRange(again.Correction.KernelScale, 1.15, 1.25);
        // The filtered copy of the windows (256 × 32 bytes, grown by doubling from LINQ's builder) and four arrays of
        // 256 doubles (weights, residuals, their magnitudes): about 32 KB. A sorted copy per iteration added ~10 KB each.
        Assert.True(allocated < 48 * 1024, $"Fit allocated {allocated:N0} bytes");
    }

    [Fact]
    public void ACloneWithoutMetrics_RunsAsOneWithThem_AndKeepsNoHistograms()
    {
        var spec = TestSupport.Spec(new EngineConfig { Scheduler = "vllm-v1", KvBlocks = 5000, MaxModelLen = 2048, MaxNumBatchedTokens = 512, MaxNumSeqs = 64 });
        var original = new Simulator(new SimulationOptions { Replica = spec, Replicas = 2, Seed = 11 });
        var lengths = new LengthSampler.Independent(new LengthDistribution.Uniform(1, 1500), new LengthDistribution.Zipf(1.1, 500));
        original.AttachWorkload(new GeneratedWorkloadSource(ArrivalProcess.Gamma, 20, 2, 400, lengths));
        original.AdvanceTo(5.0);
        Assert.True(original.Metrics.Ttft.Count > 0, "the clone point should be after some first tokens");
        original.Clone(m => m, metrics: false);
        original.Clone(m => m);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var without = original.Clone(m => m, metrics: false);
        long withoutBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        var with = original.Clone(m => m);
        long withBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(withoutBytes < withBytes, $"without metrics {withoutBytes:N0} bytes, with them {withBytes:N0}");
        Assert.Equal(0, without.Metrics.Ttft.Count);

        with.Run();
        without.Run();
        // It counts, and keeps no histogram: nothing it does reads them back.
        Assert.Equal(0, without.Metrics.Ttft.Count + without.Metrics.Itl.Count + without.Metrics.StepSeconds.Count + without.Metrics.BatchSize.Count);
        Assert.True(without.Metrics.Completed > 0);
        Assert.Equal(with.Now, without.Now);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(with.Replicas[i].Steps, without.Replicas[i].Steps);
            Assert.Equal(with.Replicas[i].TokensGenerated, without.Replicas[i].TokensGenerated);
            Assert.Equal(with.Replicas[i].PromptTokensServed, without.Replicas[i].PromptTokensServed);
            Assert.Equal(with.Replicas[i].Preemptions, without.Replicas[i].Preemptions);
        }
        // What the copy counts from the clone point on, the other counts on top of what it copied.
        Assert.Equal(with.Metrics.Completed, original.Metrics.Completed + without.Metrics.Completed);
    }
}
