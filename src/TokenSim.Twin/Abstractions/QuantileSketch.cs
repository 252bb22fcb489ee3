using TokenSim.Core.Metrics;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A mergeable streaming distribution of non-negative values: exact count, sum, mean, min and max, and quantiles
/// from <see cref="LogHistogram"/>'s log buckets (256 per power of two: a quantile is within 0.14% of a sample value),
/// kept sparse so that it is small enough to travel between grains; <see cref="LogHistogram"/> itself keeps a dense
/// span and no Orleans serializer.
/// </summary>
[GenerateSerializer, Alias("TokenSim.Twin.QuantileSketch")]
public sealed class QuantileSketch
{
    /// <summary>Values at or below this count in one bucket of their own, whose quantile is 0.</summary>
    private const double Floor = 1e-9;
    private const int ZeroBucket = int.MinValue;

    /// <summary>Count per <see cref="LogHistogram.BucketOf"/> index, and <see cref="ZeroBucket"/>.</summary>
    [Id(0)] private readonly Dictionary<int, long> _buckets = [];
    [Id(1)] public long Count { get; private set; }
    [Id(2)] public double Sum { get; private set; }
    [Id(3)] public double Min { get; private set; } = double.PositiveInfinity;
    [Id(4)] public double Max { get; private set; } = double.NegativeInfinity;
    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Add(double value)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), $"A sketch holds finite values of 0 or more (got {value}).");
        int b = value <= Floor ? ZeroBucket : LogHistogram.BucketOf(value);
        _buckets[b] = _buckets.GetValueOrDefault(b) + 1;
        Count++;
        Sum += value;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
    }

    public void Merge(QuantileSketch other)
    {
        foreach (var (b, n) in other._buckets) _buckets[b] = _buckets.GetValueOrDefault(b) + n;
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// The nearest-rank <paramref name="q"/>-quantile: its bucket's geometric middle clamped to the exact min and max,
    /// as <see cref="LogHistogram.Quantile"/> gives it; 0 when empty or in the bucket at 0.
    /// </summary>
    public double Quantile(double q)
    {
        if (Count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count)), seen = 0;
        foreach (var (b, n) in _buckets.OrderBy(kv => kv.Key))
        {
            seen += n;
            if (seen >= rank) return b == ZeroBucket ? 0 : Math.Clamp(LogHistogram.BucketMiddle(b), Min, Max);
        }
        throw new InvalidOperationException("The sketch's bucket counts do not add up to its count.");
    }
}
