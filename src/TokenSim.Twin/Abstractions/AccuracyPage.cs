namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One replica's records from an arrival ordinal on, at most a page of them, with its status and accuracy totals.
/// <see cref="Next"/> is the ordinal the following page starts at, or null when this page reaches the newest record.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.AccuracyPage")]
public sealed record AccuracyPage(
    [property: Id(0)] RequestAccuracy[] Requests,
    [property: Id(1)] long? Next,
    [property: Id(2)] ReplicaStatus Status,
    [property: Id(3)] AccuracyTotals Totals);
