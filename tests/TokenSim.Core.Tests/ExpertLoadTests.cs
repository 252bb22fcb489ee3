using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Core.Tests;

/// <summary>The busiest expert-parallel rank under uniform top-k routing, against hand-worked cases.</summary>
public class ExpertLoadTests
{
    [Fact]
    public void ExpectedMaxOfStandardNormals_MatchesTheClosedFormAndTables()
    {
        Assert.Equal(0, ExpertLoad.ExpectedMaxStandardNormal(1));
        Assert.Equal(1 / Math.Sqrt(Math.PI), ExpertLoad.ExpectedMaxStandardNormal(2), 5); // 0.56419
        Assert.Equal(1.02938, ExpertLoad.ExpectedMaxStandardNormal(4), 4);                 // Tippett (1925), normal order-statistic tables
        Assert.Equal(1.42360, ExpertLoad.ExpectedMaxStandardNormal(8), 4);
        Assert.Equal(1.76599, ExpertLoad.ExpectedMaxStandardNormal(16), 4);
    }

    [Fact]
    public void MaxTouchedExperts_ByHand()
    {
        // MiniMax-M2.5 (256 experts, top 8) on EP 4, 8 tokens: each of a rank's 64 experts is touched with
        // p = 1 − (31/32)^8 = 0.224300; mean 14.3552, sd √(64·p·(1−p)) = 3.33696; busiest of 4: + 1.02938 sd = 17.7902.
        Assert.Equal(17.7902, ExpertLoad.MaxTouchedExperts(8, 256, 8, 4), 3);
        // One rank holds every expert: the mean, no spread. A large batch touches them all, capped at E/EP.
        Assert.Equal(256 * (1 - Math.Pow(31.0 / 32, 8)), ExpertLoad.MaxTouchedExperts(8, 256, 8, 1), 9);
        Assert.Equal(64, ExpertLoad.MaxTouchedExperts(10_000, 256, 8, 4), 9);
    }

    [Fact]
    public void MaxPairs_ByHand()
    {
        // Qwen3-30B-A3B (128 experts, top 8) on EP 2, 1,000 tokens: 4,000 pairs a rank on average, variance
        // 1000·8·½·½·120/127 = 1,889.76, so the busier rank has 4,000 + √1889.76/√π = 4,024.53.
        Assert.Equal(4024.53, ExpertLoad.MaxPairs(1000, 128, 8, 2), 1);
        Assert.Equal(8000, ExpertLoad.MaxPairs(1000, 128, 8, 1), 9);
    }

    [Fact]
    public void GpuModel_TimesTheExpertLayer_OnTheBusiestRank()
    {
        // Qwen3-30B-A3B (128 experts of width 768, top 8, hidden 2,048) at DP 2 + EP 2 on RTX PRO 6000, 16 group
        // tokens: the GPU's 64 experts as the busier rank sees them (touched 41.2 + 0.564 sd, pairs 64 + 0.564 sd),
        // through the same kernels a TP 1 layer uses. Balanced shares (the mean rank) would be faster.
        var spec = TestSupport.Spec(new EngineConfig { DataParallel = 2, ExpertParallel = true, MaxModelLen = 4096 }, "qwen3-30b-a3b", "rtx-pro-6000");
        var gpu = new GpuExecutionTimeModel(spec);
        var k = gpu.Kernels;
        var m = spec.Model;
        double e = m.NumExperts, top = m.ExpertsPerToken, h = m.HiddenSize, w = m.ExpertWidth, g = 16;
        double active = ExpertLoad.MaxTouchedExperts(g, e, top, 2), pairs = ExpertLoad.MaxPairs(g, e, top, 2), rows = pairs / active;
        double expected = k.Gemm16(g / 2, e, h) + k.Elementwise(g / 2 * e * 4, g / 2)
            + k.Grouped(active, rows, 2 * w, h) + k.Elementwise(3 * rows * active * w * 2, rows * active, RowKernelLaunch.Threads) + k.Grouped(active, rows, h, w);
        Assert.Equal(expected, gpu.ExpertParallelMoeSeconds(g), 12);
        double meanActive = e / 2 * (1 - Math.Pow(1 - top / e, g)), meanRows = g * top / 2 / meanActive;
        double balanced = k.Gemm16(g / 2, e, h) + k.Elementwise(g / 2 * e * 4, g / 2)
            + k.Grouped(meanActive, meanRows, 2 * w, h) + k.Elementwise(3 * meanRows * meanActive * w * 2, meanRows * meanActive, RowKernelLaunch.Threads) + k.Grouped(meanActive, meanRows, h, w);
        Assert.True(gpu.ExpertParallelMoeSeconds(g) > balanced);
    }
}
