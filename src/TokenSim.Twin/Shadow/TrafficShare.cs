using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>A deployment's traffic, learned per replica, spread evenly over a different number of replicas.</summary>
public static class TrafficShare
{
    /// <summary>Lengths kept from the pooled replicas: enough to draw from, bounded for the message.</summary>
    public const int MaxLengths = 2048;

    /// <summary>
    /// Rates and trends add up over the replicas and divide over <paramref name="replicas"/>; burstiness is the
    /// rate-weighted mean; the traffic is as old as the oldest replica's; lengths are pooled. The total's rate is
    /// known as well as all the arrivals counted (their shapes add), and its slope's variance is the sum of theirs.
    /// </summary>
    public static TrafficEstimate Spread(IReadOnlyList<TrafficEstimate> learned, int replicas)
    {
        if (replicas < 1) throw new ArgumentOutOfRangeException(nameof(replicas), "Traffic spreads over at least 1 replica.");
        double rate = learned.Sum(t => t.RatePerSecond);
        double cv = rate > 0 ? learned.Sum(t => t.InterArrivalCv * t.RatePerSecond) / rate : 1;
        var prompts = new List<int>();
        var maxTokens = new List<int>();
        var cached = new List<int>();
        bool anyCached = learned.Any(t => t.CachedPromptTokens.Length > 0);
        // Round-robin over replicas so a cap keeps each replica's share of the lengths.
        for (int i = 0; prompts.Count < MaxLengths; i++)
        {
            bool any = false;
            foreach (var t in learned)
            {
                if (i >= t.PromptTokens.Length) continue;
                any = true;
                prompts.Add(t.PromptTokens[t.PromptTokens.Length - 1 - i]);
                maxTokens.Add(t.MaxTokens[t.MaxTokens.Length - 1 - i]);
                if (anyCached) cached.Add(t.CachedPromptTokens.Length == t.PromptTokens.Length ? t.CachedPromptTokens[t.PromptTokens.Length - 1 - i] : 0);
            }
            if (!any) break;
        }
        return new TrafficEstimate
        {
            RatePerSecond = rate / replicas, TrendPerSecond2 = learned.Sum(t => t.TrendPerSecond2) / replicas,
            RateShape = learned.Sum(t => t.RateShape), TrendStdErr = Math.Sqrt(learned.Sum(t => t.TrendStdErr * t.TrendStdErr)) / replicas,
            WindowSeconds = learned.Count == 0 ? 0 : learned.Max(t => t.WindowSeconds), InterArrivalCv = cv,
            ElapsedSeconds = learned.Count == 0 ? 0 : learned.Max(t => t.ElapsedSeconds),
            PromptTokens = [.. prompts], MaxTokens = [.. maxTokens], CachedPromptTokens = [.. cached],
            FinishedOutputTokens = learned.SelectMany(t => t.FinishedOutputTokens).TakeLast(MaxLengths).ToArray(),
            FinishedMaxTokens = learned.SelectMany(t => t.FinishedMaxTokens).TakeLast(MaxLengths).ToArray(),
        };
    }
}
