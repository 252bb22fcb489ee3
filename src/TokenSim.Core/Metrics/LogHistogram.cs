using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace TokenSim.Core.Metrics;

/// <summary>
/// A streaming histogram of positive values with log-spaced buckets, 256 per power of two (HDR-style, indexed
/// straight from the IEEE-754 bits), so any quantile is within 0.2% of the true sample value in constant memory.
/// Count, sum, min and max are exact. Only the span of powers of two that values have reached is allocated, as
/// one flat array: values cluster in a few octaves, the twin clones a simulation (its nine histograms) for every
/// prediction, and the hot path stays one range check and one increment.
/// </summary>
public sealed class LogHistogram
{
    private const int SubBits = 8;
    private const int MinExponent = -40; // 2^-40 s ≈ 1 ps: anything smaller counts as the first bucket
    private const int MaxExponent = 40;
    private const int Buckets = (MaxExponent - MinExponent) << SubBits;
    private const int Octave = 1 << SubBits;
    private static readonly long BaseBits = BitConverter.DoubleToInt64Bits(Math.Pow(2, MinExponent)) >> (52 - SubBits);

    private long[] _counts = [];
    private long _first; // the bucket index _counts[0] holds
    private long _zeros;

    public long Count { get; private set; }
    public double Sum { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public double Mean => Count == 0 ? 0 : Sum / Count;

    /// <summary>
    /// Adds <paramref name="count"/> copies of <paramref name="value"/>: the same state as that many <see cref="Add(double)"/>
    /// calls, one bucket lookup, except that <see cref="Sum"/> adds one product (it may differ from the repeated sum in
    /// its last bits): a decode run books a whole batch's inter-token latency per step this way.
    /// </summary>
    public void Add(double value, int count)
    {
        if (count <= 0) return;
        if (count == 1 || value <= 0)
        {
            for (int i = 0; i < count; i++) Add(value);
            return;
        }
        // Add(value) and then the other copies, with one bucket lookup: the same sum, in the same order.
        Count += count;
        Sum += value;
        Sum += value * (count - 1);
        if (value < Min) Min = value;
        if (value > Max) Max = value;
        int idx = BucketOf(value);
        long rel = idx - _first;
        if ((ulong)rel >= (ulong)_counts.Length)
        {
            Cover(idx, idx);
            rel = idx - _first;
        }
        _counts[rel] += count;
    }

    /// <summary>
    /// Adds <c>values[i]</c>, <c>counts[i]</c> times (once each when <paramref name="counts"/> is empty), in order: the
    /// same state as <see cref="Add(double, int)"/> for each, the same sum added in the same order, with consecutive
    /// values that share a bucket counted at once (a decode run's step times and inter-token latencies grow slowly, so
    /// most steps share the bucket of the step before).
    /// </summary>
    public void AddEach(ReadOnlySpan<double> values, ReadOnlySpan<int> counts)
    {
        long n = Count;
        double sum = Sum, min = Min, max = Max;
        int bucket = -1;
        long inBucket = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            int c = counts.IsEmpty ? 1 : counts[i];
            if (c <= 0) continue;
            if (!(v > 0))
            {
                // Zeros (and anything not positive) have their own counter: the general path, state written back first.
                AddToBucket(bucket, inBucket);
                (Count, Sum, Min, Max, bucket, inBucket) = (n, sum, min, max, -1, 0);
                Add(v, c);
                (n, sum, min, max) = (Count, Sum, Min, Max);
                continue;
            }
            n += c;
            sum += v;
            if (c > 1) sum += v * (c - 1);
            if (v < min) min = v;
            if (v > max) max = v;
            int idx = BucketOf(v);
            if (idx == bucket)
            {
                inBucket += c;
                continue;
            }
            AddToBucket(bucket, inBucket);
            (bucket, inBucket) = (idx, c);
        }
        AddToBucket(bucket, inBucket);
        (Count, Sum, Min, Max) = (n, sum, min, max);
    }

    /// <summary>
    /// Count, sum, min and max, for a loop that keeps them in registers while it adds values of its own (a decode
    /// run's inter-token latencies and step times, <c>SimulationMetrics.RecordDecodeRun</c>) and counts their buckets
    /// through <see cref="AddToBucket"/>; it writes them back before the histogram is used otherwise.
    /// </summary>
    internal (long Count, double Sum, double Min, double Max) Totals
    {
        get => (Count, Sum, Min, Max);
        set => (Count, Sum, Min, Max) = value;
    }

    /// <summary>Adds <paramref name="count"/> to bucket <paramref name="idx"/> alone (nothing when the count is 0); <see cref="Totals"/> are the caller's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddToBucket(int idx, long count)
    {
        if (count == 0) return;
        long rel = idx - _first;
        if ((ulong)rel >= (ulong)_counts.Length)
        {
            Cover(idx, idx);
            rel = idx - _first;
        }
        _counts[rel] += count;
    }

    public void Add(double value)
    {
        Count++;
        Sum += value;
        if (value < Min) Min = value;
        if (value > Max) Max = value;
        if (value <= 0) { _zeros++; return; }
        int idx = BucketOf(value);
        long rel = idx - _first;
        if ((ulong)rel >= (ulong)_counts.Length)
        {
            Cover(idx, idx);
            rel = idx - _first;
        }
        _counts[rel]++;
    }

    /// <summary>
    /// The bucket of a positive value: 256 per power of two from 2^-40 to 2^40, values outside counted in the end
    /// buckets. Public so that other histograms (the twin's accuracy sketch) share these buckets rather than keep their own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(double value)
    {
        long idx = (BitConverter.DoubleToInt64Bits(value) >> (52 - SubBits)) - BaseBits;
        return idx < 0 ? 0 : idx >= Buckets ? Buckets - 1 : (int)idx;
    }

    /// <summary>The geometric middle of bucket <paramref name="index"/> (<see cref="BucketOf"/>): within 0.14% of any value in it.</summary>
    public static double BucketMiddle(int index)
    {
        double lo = BitConverter.Int64BitsToDouble((index + BaseBits) << (52 - SubBits));
        double hi = BitConverter.Int64BitsToDouble((index + 1 + BaseBits) << (52 - SubBits));
        return Math.Sqrt(lo * hi);
    }

    /// <summary>Grows the allocated span, in whole octaves, to include buckets <paramref name="lo"/>..<paramref name="hi"/>.</summary>
    private void Cover(long lo, long hi)
    {
        long start = lo / Octave * Octave, end = (hi / Octave + 1) * Octave;
        if (_counts.Length > 0)
        {
            start = Math.Min(start, _first);
            end = Math.Max(end, _first + _counts.Length);
        }
        var grown = new long[end - start];
        if (_counts.Length > 0) Array.Copy(_counts, 0, grown, _first - start, _counts.Length);
        _counts = grown;
        _first = start;
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
        for (int r = 0; r < _counts.Length; r++)
        {
            seen += _counts[r];
            if (seen < rank) continue;
            return Math.Clamp(BucketMiddle((int)(r + _first)), Min, Max);
        }
        return Max;
    }

    public void Merge(LogHistogram other)
    {
        if (other._counts.Length > 0)
        {
            Cover(other._first, other._first + other._counts.Length - 1);
            long offset = other._first - _first;
            for (int i = 0; i < other._counts.Length; i++) _counts[offset + i] += other._counts[i];
        }
        _zeros += other._zeros;
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    public LogHistogram Clone() => new()
    {
        _counts = (long[])_counts.Clone(), _first = _first, _zeros = _zeros, Count = Count, Sum = Sum, Min = Min, Max = Max,
    };

    public Distribution Summarize() => new(Mean, Quantile(0.5), Quantile(0.9), Quantile(0.99), Count == 0 ? 0 : Max, Count);
}

/// <summary>
/// A metric's summary: mean, percentiles and max (seconds unless named otherwise), and the sample count. The JSON
/// documents (<c>simulate --json</c>, <c>plan --json</c>) write it as it is, less the count.
/// </summary>
public readonly record struct Distribution(double Mean, double P50, double P90, double P99, double Max, [property: JsonIgnore] long Count);
