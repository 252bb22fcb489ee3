namespace TokenSim.Twin.Abstractions;

/// <summary>
/// What a replica holds now, for a forecast that simulates the deployment as one (an autoscaling policy run from
/// live state): per seed, the requests of its fork of that seed (output lengths drawn as its own forecasts draw them),
/// with its clock, learned traffic and online step correction.
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.LiveReplicaState")]
public sealed record LiveReplicaState
{
    [Id(0)] public required double ClockSeconds { get; init; }
    /// <summary>Per seed: running (KV resident), swapped, then waiting requests, times from <see cref="ClockSeconds"/>.</summary>
    [Id(1)] public required ReroutedRequest[][] Held { get; init; }
    [Id(2)] public required TrafficEstimate Traffic { get; init; }
    [Id(3)] public double KernelScale { get; init; } = 1;
    [Id(4)] public double PrefillStepSeconds { get; init; }
}
