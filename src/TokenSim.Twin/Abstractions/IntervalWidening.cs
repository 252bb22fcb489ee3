namespace TokenSim.Twin.Abstractions;

/// <summary>
/// How far a replica's scored forecasts of one metric (<c>running</c>, <c>waiting</c> or <c>kv</c>) at one horizon
/// move the seeds' p10 down and p90 up and raise p99 (negative: the other way), learned from the errors of the
/// intervals scored so far (<see cref="Shadow.IntervalCalibration"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.IntervalWidening")]
public sealed record IntervalWidening(
    [property: Id(0)] string Metric,
    [property: Id(1)] double HorizonSeconds,
    [property: Id(4)] double Lower80,
    [property: Id(2)] double Upper80,
    [property: Id(3)] double Widening99);
