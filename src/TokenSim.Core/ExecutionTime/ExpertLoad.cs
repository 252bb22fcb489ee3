namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The slowest expert-parallel rank's share of an MoE layer under uniform top-k routing. The EP ranks meet at the
/// combine, so the layer lasts as long as the rank whose local experts drew the most work: the most distinct local
/// experts touched (each one's weights read once, what a decode step pays) and the most token-expert pairs (what a
/// prefill step pays). Each is its mean plus its standard deviation times the expected maximum of
/// <c>ranks</c> standard normals (the normal approximation to the maximum of the ranks' counts). Uniform routing
/// is the least imbalance a real router shows, so this is a lower bound on the measured spread; no constant is fitted.
/// </summary>
public static class ExpertLoad
{
    /// <summary>
    /// E[max of n iid N(0,1)] = ∫ x·n·φ(x)·Φ(x)^(n−1) dx, by Simpson's rule over ±10 (0 for one rank; 1/√π for two).
    /// </summary>
    public static double ExpectedMaxStandardNormal(int n)
    {
        if (n <= 1) return 0;
        // Steps ask per layer: each n is integrated once (a benign race writes the same value).
        if (n < Cache.Length && Cache[n] > 0) return Cache[n];
        double value = Integrate(n);
        if (n < Cache.Length) Cache[n] = value;
        return value;
    }

    private static readonly double[] Cache = new double[257];

    private static double Integrate(int n)
    {
        const int steps = 4000;
        const double lo = -10, hi = 10, dx = (hi - lo) / steps;
        double sum = 0;
        for (int i = 0; i <= steps; i++)
        {
            double x = lo + i * dx;
            double f = x * n * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * Math.Pow(NormalCdf(x), n - 1);
            sum += f * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * dx / 3;
    }

    /// <summary>
    /// The busiest of <paramref name="ranks"/> ranks' distinct touched experts when <paramref name="tokens"/> tokens
    /// each pick <paramref name="k"/> of <paramref name="experts"/>: each of a rank's E/EP experts is touched with
    /// p = 1 − (1 − k/E)^tokens, so the count is Binomial(E/EP, p); capped at E/EP.
    /// </summary>
    public static double MaxTouchedExperts(double tokens, double experts, double k, int ranks)
    {
        double local = experts / ranks, p = 1 - Math.Pow(1 - k / experts, tokens);
        return Math.Min(local, local * p + ExpectedMaxStandardNormal(ranks) * Math.Sqrt(local * p * (1 - p)));
    }

    /// <summary>
    /// The busiest rank's token-expert pairs: a token's k distinct experts fall on one rank's E/EP of them
    /// hypergeometrically (mean k/EP, variance k·(1/EP)·(1 − 1/EP)·(E − k)/(E − 1)), independently per token.
    /// </summary>
    public static double MaxPairs(double tokens, double experts, double k, int ranks)
    {
        double q = 1.0 / ranks;
        double variance = tokens * k * q * (1 - q) * (experts - k) / Math.Max(1, experts - 1);
        return Math.Min(tokens * k, tokens * k * q + ExpectedMaxStandardNormal(ranks) * Math.Sqrt(variance));
    }

    /// <summary>Φ(x) by Abramowitz and Stegun 7.1.26 for erf (absolute error below 1.5e-7).</summary>
    private static double NormalCdf(double x)
    {
        double z = Math.Abs(x) / Math.Sqrt(2), t = 1 / (1 + 0.3275911 * z);
        double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-z * z);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
