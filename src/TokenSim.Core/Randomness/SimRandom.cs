namespace TokenSim.Core.Randomness;

/// <summary>
/// xoshiro256** (Blackman and Vigna): a small, fast, seedable generator whose whole state can be copied, so a
/// cloned simulation draws exactly what the original would. Seeded through SplitMix64.
/// </summary>
public sealed class SimRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SimRandom(ulong seed)
    {
        _s0 = SplitMix64(ref seed); _s1 = SplitMix64(ref seed); _s2 = SplitMix64(ref seed); _s3 = SplitMix64(ref seed);
    }

    private SimRandom() { }

    /// <summary>
    /// One step of SplitMix64 (Steele, Lea and Flood): advances <paramref name="state"/> and returns a well-mixed
    /// 64-bit value. It seeds this generator and hashes ids into per-request draws that must not depend on run order.
    /// </summary>
    public static ulong SplitMix64(ref ulong state) => Mix64(state += 0x9E3779B97F4A7C15UL);

    /// <summary>SplitMix64's finaliser: every bit of <paramref name="z"/> reaches every bit of the result. Hashes use it as a mixer.</summary>
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The top 53 bits of <paramref name="bits"/> as a uniform double in [0, 1).</summary>
    public static double ToUnit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal from two uniforms in [0, 1) by Box–Muller (1 − u keeps the logarithm finite).</summary>
    public static double BoxMuller(double u1, double u2) => Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2);

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => ToUnit(NextUInt64());

    /// <summary>Uniform integer in [min, maxInclusive].</summary>
    public int NextInt(int min, int maxInclusive) => min + (int)(NextUInt64() % (ulong)((long)maxInclusive - min + 1));

    /// <summary>Exponential with the given rate (mean 1/rate).</summary>
    public double NextExponential(double rate) => -Math.Log(1 - NextDouble()) / rate;

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextNormal() => BoxMuller(NextDouble(), NextDouble());

    /// <summary>Gamma(shape, scale) by Marsaglia and Tsang; shape &lt; 1 via the boost u^(1/shape).</summary>
    public double NextGamma(double shape, double scale)
    {
        if (shape < 1) return NextGamma(shape + 1, scale) * Math.Pow(1 - NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = NextNormal(); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1 - NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v * scale;
        }
    }

    public SimRandom Clone() => new() { _s0 = _s0, _s1 = _s1, _s2 = _s2, _s3 = _s3 };
}
