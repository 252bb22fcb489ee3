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

    [Fact]
    public void AddEach_IsAddOfEachValueInOrder()
    {
        // Slowly growing values (many share a bucket), a zero, a jump to another octave, and counts of 0, 1 and many.
        double[] values = [0.0150, 0.01500001, 0.01501, 0.0151, 0, 0.0152, 0.5, 0.50001, 0.0149];
        int[] counts = [3, 1, 0, 7, 2, 1, 4, 1, 9];
        var one = new LogHistogram();
        var each = new LogHistogram();
        one.Add(0.02);
        each.Add(0.02);
        for (int i = 0; i < values.Length; i++) one.Add(values[i], counts[i]);
        each.AddEach(values, counts);
        Assert.Equal((one.Count, one.Sum, one.Min, one.Max), (each.Count, each.Sum, each.Min, each.Max));
        foreach (double q in new[] { 0.0, 0.1, 0.2, 0.5, 0.7, 0.9, 0.99, 1.0 }) Assert.Equal(one.Quantile(q), each.Quantile(q));
        Assert.Equal(29, each.Count);
        // Without counts, each value once.
        var plain = new LogHistogram();
        plain.AddEach(values, []);
        Assert.Equal(values.Length, plain.Count);
        Assert.Equal(0.50001, plain.Max);
        Assert.Equal(0, plain.Min);
    }
}
