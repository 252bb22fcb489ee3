using TokenSim.Core.Randomness;

namespace TokenSim.Core.Workload;

/// <summary>A distribution of token counts: fixed, uniform over a range, or Zipf over 1..max.</summary>
public abstract record LengthDistribution
{
    public abstract int Sample(SimRandom random);
    public abstract int Max { get; }

    /// <summary>Parses <c>512</c>, <c>100..2000</c> (uniform, inclusive) or <c>zipf(1.2,4000)</c> (exponent, max).</summary>
    public static LengthDistribution Parse(string text, string field)
    {
        text = text.Trim();
        if (int.TryParse(text, out var n))
            return n >= 1 ? new Fixed(n) : throw new FormatException($"{field}: a token count must be at least 1 (got {n}).");
        var range = text.Split("..");
        if (range.Length == 2 && int.TryParse(range[0], out var lo) && int.TryParse(range[1], out var hi))
            return lo >= 1 && hi >= lo ? new Uniform(lo, hi) : throw new FormatException($"{field}: range '{text}' needs 1 <= low <= high.");
        if (text.StartsWith("zipf(", StringComparison.OrdinalIgnoreCase) && text.EndsWith(')'))
        {
            var args = text[5..^1].Split(',');
            if (args.Length == 2 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var s) && int.TryParse(args[1], out var max) && s > 0 && max >= 1)
                return new Zipf(s, max);
        }
        throw new FormatException($"{field}: '{text}' is not a length. Use N, LOW..HIGH or zipf(S,MAX).");
    }

    public sealed record Fixed(int Tokens) : LengthDistribution
    {
        public override int Sample(SimRandom random) => Tokens;
        public override int Max => Tokens;
    }

    public sealed record Uniform(int Low, int High) : LengthDistribution
    {
        public override int Sample(SimRandom random) => random.NextInt(Low, High);
        public override int Max => High;
    }

    /// <summary>P(k) ∝ k^(−s) for k in 1..max, drawn by inverting a precomputed CDF.</summary>
    public sealed record Zipf : LengthDistribution
    {
        private readonly double[] _cdf;

        public Zipf(double exponent, int max)
        {
            Exponent = exponent;
            MaxTokens = max;
            _cdf = new double[max];
            double sum = 0;
            for (int k = 1; k <= max; k++) _cdf[k - 1] = sum += Math.Pow(k, -exponent);
            for (int i = 0; i < max; i++) _cdf[i] /= sum;
        }

        public double Exponent { get; }
        public int MaxTokens { get; }
        public override int Max => MaxTokens;

        public override int Sample(SimRandom random)
        {
            int i = Array.BinarySearch(_cdf, random.NextDouble());
            return (i < 0 ? ~i : i) + 1;
        }
    }
}
