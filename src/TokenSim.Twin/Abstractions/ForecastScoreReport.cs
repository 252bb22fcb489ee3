namespace TokenSim.Twin.Abstractions;

/// <summary>Forecast scores by metric and horizon, with how many scored forecasts were made and skipped (budget).</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ForecastScoreReport")]
public sealed record ForecastScoreReport(
    [property: Id(0)] ForecastScore[] Scores,
    [property: Id(1)] long Issued,
    [property: Id(2)] long Skipped)
{
    /// <summary>Several replicas' scores: errors and points add up per metric and horizon.</summary>
    public static ForecastScoreReport Sum(IEnumerable<ForecastScoreReport> parts)
    {
        var list = parts.ToList();
        var scores = list.SelectMany(p => p.Scores).GroupBy(s => (s.Metric, s.HorizonSeconds))
            .Select(g => new ForecastScore(g.Key.Metric, g.Key.HorizonSeconds, g.Sum(s => s.Points), g.Sum(s => s.AbsErrorSum), g.Sum(s => s.NaiveAbsErrorSum), g.Sum(s => s.SignedErrorSum),
                g.Sum(s => s.Covered), g.Sum(s => s.PinballSum)))
            .OrderBy(s => s.Metric, StringComparer.Ordinal).ThenBy(s => s.HorizonSeconds).ToArray();
        return new ForecastScoreReport(scores, list.Sum(p => p.Issued), list.Sum(p => p.Skipped));
    }
}
