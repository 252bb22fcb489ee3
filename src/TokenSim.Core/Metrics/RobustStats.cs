namespace TokenSim.Core.Metrics;

/// <summary>The statistic fits use so that a few odd points cannot pull them.</summary>
public static class RobustStats
{
    /// <summary>The median of the finite values, or null when there are none.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) return null;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
