namespace TokenSim.Twin.Abstractions;

/// <summary>
/// What a replica holds now, for a forecast that simulates the deployment as one (an autoscaling policy run from
/// live state): per seed, the requests of its fork of that seed (output lengths drawn as its own forecasts draw them),
/// with its clock, learned traffic, online step correction and each seed's draw of the engine-model error.
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
    /// <summary>Per seed, the step-time correction that seed's engine-model error draws (as the replica's own forecast
    /// draws it for the same seed): kernel scales and prefill-step costs; empty: the online one for every seed.</summary>
    [Id(5)] public double[] SeedKernelScales { get; init; } = [];
    [Id(6)] public double[] SeedPrefillStepSeconds { get; init; } = [];

    /// <summary>The correction seed <paramref name="seed"/> steps at.</summary>
    public TokenSim.Core.ExecutionTime.StepCorrection CorrectionOf(int seed) => seed < SeedKernelScales.Length
        ? new() { KernelScale = SeedKernelScales[seed], PrefillStepSeconds = SeedPrefillStepSeconds[seed] }
        : new() { KernelScale = KernelScale, PrefillStepSeconds = PrefillStepSeconds };
}
