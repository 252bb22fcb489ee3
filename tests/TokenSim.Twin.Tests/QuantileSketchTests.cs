using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Tests;

public sealed class QuantileSketchTests
{
    [Fact]
    public void OneToThousand_QuantilesWithinOnePercent_CountAndMeanExact()
    {
        var s = new QuantileSketch();
        for (int i = 1; i <= 1000; i++) s.Add(i);
        Assert.Equal(1000, s.Count);
        Assert.Equal(500.5, s.Mean, 12);
        Assert.Equal(500, s.Quantile(0.5), 5.0);
        Assert.Equal(990, s.Quantile(0.99), 9.9);
        Assert.Equal(1, s.Quantile(0.0001), 0.01);
    }

    [Fact]
    public void Merged_EqualsOneSketchOfBoth()
    {
        var a = new QuantileSketch();
        var b = new QuantileSketch();
        var both = new QuantileSketch();
        for (int i = 0; i < 200; i++)
        {
            double x = i * 0.37;
            (i % 3 == 0 ? a : b).Add(x);
            both.Add(x);
        }
        a.Merge(b);
        Assert.Equal(both.Count, a.Count);
        Assert.Equal(both.Sum, a.Sum, 9);
        foreach (double q in new[] { 0.01, 0.25, 0.5, 0.9, 0.99 }) Assert.Equal(both.Quantile(q), a.Quantile(q));
        Assert.Equal(0, new QuantileSketch().Quantile(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Add(-1));
    }

    [Fact]
    public void RoundTripsThroughOrleansSerialization_WithItsBucketsMinAndMax()
    {
        var s = new QuantileSketch();
        foreach (double x in new[] { 0, 0.004, 0.37, 2.5, 2.5, 17, 1e6 }) s.Add(x);
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var back = serializer.Deserialize<QuantileSketch>(serializer.SerializeToArray(s))!;
        Assert.Equal((7L, s.Sum, 0.0, 1e6), (back.Count, back.Sum, back.Min, back.Max));
        foreach (double q in new[] { 0.1, 0.3, 0.5, 0.7, 0.9, 1 }) Assert.Equal(s.Quantile(q), back.Quantile(q));
        // The top quantile is clamped to the exact max, not its bucket's middle.
        Assert.Equal(1e6, back.Quantile(1));
    }
}
