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

    public static readonly TrafficEstimate None = new();

    /// <summary>The arrival rate <paramref name="ahead"/> seconds after the estimate, never negative.</summary>
    public double RateAt(double ahead) => Math.Max(0, RatePerSecond + TrendPerSecond2 * Math.Min(ahead, WindowSeconds));
}
