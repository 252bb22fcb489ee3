namespace TokenSim.Twin.Abstractions;

/// <summary>
/// How much a replica's scored forecasts of one metric (<c>running</c>, <c>waiting</c> or <c>kv</c>) at one horizon
/// widen the seeds' p10–p90 interval on each side and raise p99 (negative: narrow, lower), learned from the errors of
/// the intervals scored so far (<see cref="Shadow.IntervalCalibration"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.IntervalWidening")]
public sealed record IntervalWidening(
    [property: Id(0)] string Metric,
    [property: Id(1)] double HorizonSeconds,
    [property: Id(2)] double Widening80,
    [property: Id(3)] double Widening99);
