using TokenSim.Core.Randomness;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// The traffic a replica saw recently, as a forecast extrapolates it: the arrival rate at the end of the window and
/// its trend (zero unless the window shows one beyond Poisson noise), the inter-arrival times' coefficient of
/// variation (1 = Poisson, above 1 = bursty), how long traffic has been arriving, and recent requests' prompt and
/// max_tokens lengths, drawn from as they were (pairs kept together), and recent finished requests' output lengths.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.TrafficEstimate")]
public sealed record TrafficEstimate
{
    /// <summary>Arrivals per second at the end of the window.</summary>
    [Id(0)] public double RatePerSecond { get; init; }
    /// <summary>Change of the rate per second, extrapolated for at most <see cref="WindowSeconds"/>.</summary>
    [Id(1)] public double TrendPerSecond2 { get; init; }
    [Id(2)] public double WindowSeconds { get; init; }
    [Id(3)] public double InterArrivalCv { get; init; } = 1;
    /// <summary>Seconds since the first arrival: how long the traffic has lasted so far.</summary>
    [Id(4)] public double ElapsedSeconds { get; init; }
    [Id(5)] public int[] PromptTokens { get; init; } = [];
    [Id(6)] public int[] MaxTokens { get; init; } = [];
    /// <summary>Recently finished requests' output lengths and their max_tokens, for a replica that has seen none (one a forecast adds).</summary>
    [Id(7)] public int[] FinishedOutputTokens { get; init; } = [];
    [Id(8)] public int[] FinishedMaxTokens { get; init; } = [];
    /// <summary>
    /// Of each of <see cref="PromptTokens"/>, the tokens the prefix cache held when the engine admitted it (0 before
    /// admission); empty when the replica does not know. A drawn arrival is cached as much as the request it copies:
    /// shared system prompts and conversation history keep hitting in the future as they did.
    /// </summary>
    [Id(9)] public int[] CachedPromptTokens { get; init; } = [];

    /// <summary>
    /// The shape of the rate's posterior relative to <see cref="RatePerSecond"/>: the arrivals counted in the window
    /// plus ½ (a Poisson count's gamma posterior under Jeffreys' prior); 0 = the rate is taken as known.
    /// </summary>
    [Id(10)] public double RateShape { get; init; }
    /// <summary>The standard error of the trend's least-squares slope under Poisson counts; 0 = taken as known.</summary>
    [Id(11)] public double TrendStdErr { get; init; }

    public static readonly TrafficEstimate None = new();

    /// <summary>
    /// One draw of the traffic from the estimate's posterior, for one seed of a forecast. The rate's level is scaled
    /// by a Gamma(<see cref="RateShape"/>) factor of mean 1: the posterior of a Poisson count's rate under Jeffreys'
    /// prior, whose relative sd is 1/√(n + ½) (40 arrivals know a rate to ±16%). A slope is drawn only where the
    /// window's counts showed a trend (<see cref="TrendPerSecond2"/> ≠ 0, kept by <c>TrafficModel</c>'s test at two
    /// standard errors): from a normal around it with its standard error, the rate now moving with the drawn slope as
    /// a line fitted through the window's centre does (by (drawn − kept slope) × half the window). Where the test
    /// found none the traffic is drawn stationary, at the level alone. Before, every seed drew a slope with the
    /// least-squares slope's standard error whether or not the counts showed a trend, and extrapolated it up to a
    /// window ahead: a replica receiving a steady 4 requests/s drew rates from 1.3 to 6, and its 3-seed median of
    /// the running requests lost to "stays as now" at every horizon (docs/forecast.md).
    /// </summary>
    public TrafficEstimate Draw(SimRandom random)
    {
        if (!(RateShape > 0) && !(TrendStdErr > 0)) return this;
        double level = RateShape > 0 ? RatePerSecond * random.NextGamma(RateShape, 1 / RateShape) : RatePerSecond;
        if (TrendPerSecond2 == 0) return this with { RatePerSecond = level, RateShape = 0, TrendStdErr = 0 };
        double slope = TrendPerSecond2 + (TrendStdErr > 0 ? TrendStdErr * random.NextNormal() : 0);
        return this with
        {
            RatePerSecond = Math.Max(0, level + (slope - TrendPerSecond2) * WindowSeconds / 2), TrendPerSecond2 = slope, RateShape = 0, TrendStdErr = 0,
        };
    }

    /// <summary>
    /// How much longer the traffic lasts, drawn for one seed: traffic that has lasted T = <see cref="ElapsedSeconds"/>
    /// without stopping lasts beyond x more with probability (T / (T + x))<sup>½</sup>. That is the posterior
    /// predictive of a stop that comes as a Poisson event of unknown rate λ, none seen in T, under Jeffreys' prior
    /// (λ<sup>−½</sup>): λ | T ~ Gamma(½, T). Drawn by inverting it at a uniform u: x = T (1 / u² − 1). Infinite for a
    /// stream with no age.
    /// </summary>
    public double DrawLifetime(SimRandom random) => DrawLifetime(random, 0, 1);

    /// <summary>
    /// <see cref="DrawLifetime(SimRandom)"/> for seed <paramref name="stratum"/> of <paramref name="strata"/> drawn
    /// stratified (Latin hypercube sampling, McKay, Beckman and Conover, Technometrics 1979): u uniform within the
    /// seed's stratum [k/n, (k + 1)/n). With the strata given to the seeds in a random order each seed's lifetime is
    /// still a draw from the posterior, but the seeds of one forecast span it: of 3, exactly one stops within 1.25 T
    /// (u ≥ ⅔). Of a burst 15 s old, 20 s ahead, independent draws stop 2 or 3 seeds, and the ensemble's median with
    /// them, in 27% of the forecasts (each stops with probability 1 − √(15/35) = 0.35); stratified, 3.6%.
    /// </summary>
    public double DrawLifetime(SimRandom random, int stratum, int strata)
    {
        if (!(ElapsedSeconds > 0)) return double.PositiveInfinity;
        double u = (stratum + 1 - random.NextDouble()) / strata; // (k/n, (k + 1)/n]
        return ElapsedSeconds * (1 / (u * u) - 1);
    }

    /// <summary>The arrival rate <paramref name="ahead"/> seconds after the estimate, never negative.</summary>
    public double RateAt(double ahead) => Math.Max(0, RatePerSecond + TrendPerSecond2 * Math.Min(ahead, WindowSeconds));
}
