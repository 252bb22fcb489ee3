namespace TokenSim.Twin.Abstractions;

/// <summary>
/// A mergeable streaming distribution of non-negative values: exact count, sum and mean, and quantiles from sparse
/// log buckets 1% wide (a quantile is within 1% of a sample value). Small enough to travel between grains.
/// </summary>
[GenerateSerializer, Alias("TokenSim.Twin.QuantileSketch")]
public sealed class QuantileSketch
{
    private const double Growth = 1.01;
    private static readonly double LogGrowth = Math.Log(Growth);
    /// <summary>Values at or below this count in one bucket of their own.</summary>
    private const double Floor = 1e-9;

    [Id(0)] private readonly Dictionary<int, long> _buckets = [];
    [Id(1)] public long Count { get; private set; }
    [Id(2)] public double Sum { get; private set; }
    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Add(double value)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), $"A sketch holds finite values of 0 or more (got {value}).");
        int b = value <= Floor ? int.MinValue : (int)Math.Floor(Math.Log(value) / LogGrowth);
        _buckets[b] = _buckets.GetValueOrDefault(b) + 1;
        Count++;
        Sum += value;
    }

    public void Merge(QuantileSketch other)
    {
        foreach (var (b, n) in other._buckets) _buckets[b] = _buckets.GetValueOrDefault(b) + n;
        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>The nearest-rank <paramref name="q"/>-quantile, as its bucket's geometric middle; 0 when empty.</summary>
    public double Quantile(double q)
    {
        if (Count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count)), seen = 0;
        foreach (var (b, n) in _buckets.OrderBy(kv => kv.Key))
        {
            seen += n;
            if (seen >= rank) return b == int.MinValue ? 0 : Math.Pow(Growth, b + 0.5);
        }
        throw new InvalidOperationException("The sketch's bucket counts do not add up to its count.");
    }
}
