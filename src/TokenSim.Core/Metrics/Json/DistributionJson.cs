namespace TokenSim.Core.Metrics.Json;

/// <summary>A distribution as <c>simulate --json</c> and the planner write it: seconds (or counts), no sample count.</summary>
public sealed record DistributionJson(double Mean, double P50, double P90, double P99, double Max)
{
    public static DistributionJson From(Distribution d) => new(d.Mean, d.P50, d.P90, d.P99, d.Max);
}
