namespace TokenSim.Core.Simulation;

/// <summary>The known name a mistyped one most likely meant, for "did you mean" in one-line errors.</summary>
public static class ClosestName
{
    /// <summary>
    /// The known name nearest <paramref name="typed"/> by edit distance, ignoring case; null when none is within a third of
    /// its length (at least 2 edits), since a far guess misleads more than no guess.
    /// </summary>
    public static string? Of(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            int d = Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (name, d);
        }
        return bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance, two rows.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
