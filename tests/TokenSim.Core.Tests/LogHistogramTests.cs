using TokenSim.Core.Metrics;
using TokenSim.Core.Randomness;

namespace TokenSim.Core.Tests;

public class LogHistogramTests
{
    [Fact]
    public void Quantiles_AreWithinBucketResolutionOfExactOnes()
    {
        var rng = new SimRandom(5);
        var h = new LogHistogram();
        var values = new double[20_000];
        for (int i = 0; i < values.Length; i++) h.Add(values[i] = Math.Exp(rng.NextNormal() * 2 - 3));
        Array.Sort(values);
        foreach (var q in new[] { 0.01, 0.5, 0.9, 0.99, 0.999 })
        {
            double exact = values[(int)Math.Ceiling(q * values.Length) - 1];
            Assert.InRange(h.Quantile(q) / exact, 1 - 0.002, 1 + 0.002);
        }
        Assert.Equal(values.Sum() / values.Length, h.Mean, 9);
        Assert.Equal(values[^1], h.Max);
        Assert.Equal(values[0], h.Quantile(0));
    }

    [Fact]
    public void Zeros_AndMerge()
    {
        var a = new LogHistogram();
        a.Add(0); a.Add(0); a.Add(1);
        Assert.Equal(0, a.Quantile(0.5));
        var b = new LogHistogram();
        b.Add(2, 3);
        a.Merge(b);
        Assert.Equal(6, a.Count);
        Assert.Equal(2, a.Quantile(0.9), 2);
    }
}
