namespace TokenSim.Core.Metrics;

/// <summary>
/// A streaming histogram of positive values with log-spaced buckets, 256 per power of two (HDR-style, indexed
/// straight from the IEEE-754 bits), so any quantile is within 0.2% of the true sample value in constant memory.
/// Count, sum, min and max are exact. Each power of two's buckets are allocated when a value first lands there:
/// values cluster in a few, and the twin clones a simulation (its nine histograms) for every prediction.
/// </summary>
public sealed class LogHistogram
{
    private const int SubBits = 8;
    private const int MinExponent = -40; // 2^-40 s ≈ 1 ps: anything smaller counts as the first bucket
    private const int MaxExponent = 40;
    private const int Chunks = MaxExponent - MinExponent;
    private const int Buckets = Chunks << SubBits;
    private static readonly long BaseBits = BitConverter.DoubleToInt64Bits(Math.Pow(2, MinExponent)) >> (52 - SubBits);

    private long[]?[] _chunks = new long[]?[Chunks];
    private long _zeros;

    public long Count { get; private set; }
    public double Sum { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Add(double value)
    {
        Count++;
        Sum += value;
        if (value < Min) Min = value;
        if (value > Max) Max = value;
        if (value <= 0) { _zeros++; return; }
        long idx = (BitConverter.DoubleToInt64Bits(value) >> (52 - SubBits)) - BaseBits;
        if (idx < 0) idx = 0; else if (idx >= Buckets) idx = Buckets - 1;
        (_chunks[idx >> SubBits] ??= new long[1 << SubBits])[idx & ((1 << SubBits) - 1)]++;
    }

    /// <summary>Adds <paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public void Add(double value, int count)
    {
        for (int i = 0; i < count; i++) Add(value);
    }

    /// <summary>Nearest-rank quantile (q in [0,1]); the bucket's midpoint, clamped to the exact min and max.</summary>
    public double Quantile(double q)
    {
        if (Count == 0) return 0;
        if (q <= 0) return Min;
        if (q >= 1) return Max;
        long rank = (long)Math.Ceiling(q * Count);
        if (rank <= _zeros) return Math.Max(Min, 0);
        long seen = _zeros;
        for (int i = 0; i < Buckets; i++)
        {
            if (_chunks[i >> SubBits] is not { } chunk)
            {
                i += (1 << SubBits) - 1;
                continue;
            }
            seen += chunk[i & ((1 << SubBits) - 1)];
            if (seen < rank) continue;
            double lo = BitConverter.Int64BitsToDouble((i + BaseBits) << (52 - SubBits));
            double hi = BitConverter.Int64BitsToDouble((i + 1 + BaseBits) << (52 - SubBits));
            return Math.Clamp(Math.Sqrt(lo * hi), Min, Max);
        }
        return Max;
    }

    public void Merge(LogHistogram other)
    {
        for (int c = 0; c < Chunks; c++)
        {
            if (other._chunks[c] is not { } theirs) continue;
            var mine = _chunks[c] ??= new long[1 << SubBits];
            for (int i = 0; i < mine.Length; i++) mine[i] += theirs[i];
        }
        _zeros += other._zeros;
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    public LogHistogram Clone() => new()
    {
        _chunks = Array.ConvertAll(_chunks, c => c is null ? null : (long[])c.Clone()), _zeros = _zeros, Count = Count, Sum = Sum, Min = Min, Max = Max,
    };

    public Distribution Summarize() => new(Mean, Quantile(0.5), Quantile(0.9), Quantile(0.99), Count == 0 ? 0 : Max, Count);
}

/// <summary>A metric's summary: mean, percentiles and max (seconds unless named otherwise).</summary>
public readonly record struct Distribution(double Mean, double P50, double P90, double P99, double Max, long Count);
