namespace TokenSim.Core.Validation;

/// <summary>Summary statistics of one metric over requests: mean and nearest-rank percentiles.</summary>
public readonly record struct Stats(double Mean, double P50, double P90, double P99)
{
    public static Stats Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return default;
        var sorted = values.Order().ToArray();
        double Q(double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Stats(sorted.Average(), Q(0.5), Q(0.9), Q(0.99));
    }
}

/// <summary>Measured against simulated for one metric: the summaries, their signed error, and the per-request error.</summary>
public sealed record MetricComparison(string Name, Stats Measured, Stats Simulated, double PerRequestMapePct, double PerRequestAbsErrP50Pct, double PerRequestAbsErrP90Pct)
{
    public Stats ErrorPct => new(Err(Measured.Mean, Simulated.Mean), Err(Measured.P50, Simulated.P50), Err(Measured.P90, Simulated.P90), Err(Measured.P99, Simulated.P99));

    private static double Err(double measured, double simulated) => measured == 0 ? 0 : 100 * (simulated - measured) / measured;

    /// <summary>Compares paired per-request values (same order); pairs whose measured value is 0 count in the summaries only.</summary>
    public static MetricComparison Of(string name, IReadOnlyList<double> measured, IReadOnlyList<double> simulated)
    {
        var abs = new List<double>(measured.Count);
        for (int i = 0; i < measured.Count; i++)
            if (measured[i] > 0) abs.Add(100 * Math.Abs(simulated[i] - measured[i]) / measured[i]);
        var absStats = Stats.Of(abs);
        return new MetricComparison(name, Stats.Of(measured), Stats.Of(simulated), abs.Count == 0 ? 0 : abs.Average(), absStats.P50, absStats.P90);
    }
}

/// <summary>Measured against simulated for one time series: mean absolute error and the measured mean it compares with.</summary>
public sealed record SeriesComparison(string Name, int Points, double MeasuredMean, double SimulatedMean, double MeanAbsoluteError);
