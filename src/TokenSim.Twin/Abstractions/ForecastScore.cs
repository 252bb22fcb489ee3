namespace TokenSim.Twin.Abstractions;

/// <summary>
/// How well forecasts of one metric (<c>running</c>, <c>waiting</c> or <c>kv</c>) at one horizon did: over
/// <see cref="Points"/> forecasts whose target time was observed, the mean absolute error of the forecast and of the
/// naive forecast (the value observed when the forecast was made, assumed to stay), and the forecast's mean signed
/// error (forecast − observed: above 0, it expects more than comes); how many observations fell inside the
/// forecast's p10–p90 interval, and the sum of the pinball losses of its p10, p50 and p90 (each forecast's mean over
/// the three quantiles).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ForecastScore")]
public sealed record ForecastScore(
    [property: Id(0)] string Metric,
    [property: Id(1)] double HorizonSeconds,
    [property: Id(2)] long Points,
    [property: Id(3)] double AbsErrorSum,
    [property: Id(4)] double NaiveAbsErrorSum,
    [property: Id(5)] double SignedErrorSum = 0,
    [property: Id(6)] long Covered = 0,
    [property: Id(7)] double PinballSum = 0)
{
    /// <summary>The fraction of observations inside p10–p90: 0.8 for a calibrated interval.</summary>
    public double Coverage80 => Points == 0 ? double.NaN : (double)Covered / Points;
    public double PinballLoss => Points == 0 ? double.NaN : PinballSum / Points;
    public double Bias => Points == 0 ? double.NaN : SignedErrorSum / Points;
    public double Mae => Points == 0 ? double.NaN : AbsErrorSum / Points;
    public double NaiveMae => Points == 0 ? double.NaN : NaiveAbsErrorSum / Points;
}
