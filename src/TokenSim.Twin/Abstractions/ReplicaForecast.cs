namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One replica's forecast: for each seed and each step (the state <c>(k + 1) × StepSeconds</c> after
/// <see cref="ClockSeconds"/>), the running and waiting requests and the KV use; the TTFT of every request whose first
/// token came within a step and the TPOT of every request that finished within it, pooled over the seeds; and per seed
/// the seconds until the KV cache was first exhausted (NaN when it was not within the horizon).
/// </summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.ReplicaForecast")]
public sealed record ReplicaForecast
{
    [Id(0)] public required int Replica { get; init; }
    /// <summary>A replica the forecast adds (replica delta), starting empty.</summary>
    [Id(1)] public bool Added { get; init; }
    [Id(2)] public required double ClockSeconds { get; init; }
    [Id(3)] public required double StepSeconds { get; init; }
    [Id(4)] public required TrafficEstimate Traffic { get; init; }
    [Id(5)] public required float[][] Running { get; init; }
    [Id(6)] public required float[][] Waiting { get; init; }
    [Id(7)] public required float[][] KvUsage { get; init; }
    [Id(8)] public required double[][] TtftSeconds { get; init; }
    [Id(9)] public required double[][] TpotSeconds { get; init; }
    [Id(10)] public required double[] KvExhaustedSeconds { get; init; }
    [Id(11)] public double Calibration { get; init; } = 1;
    /// <summary>Engine steps the forecast simulated, over all its seeds: its cost.</summary>
    [Id(12)] public long SimulatedSteps { get; init; }
    /// <summary>The widening the replica's scored intervals learned, by metric and scored horizon; empty when it scores none.</summary>
    [Id(13)] public IntervalWidening[] Widening { get; init; } = [];
    /// <summary>Per seed, the requests the replica held when its scenario lost it with <c>requests: reroute</c>, in the
    /// order a lost replica's requests are routed again (running, swapped, waiting); empty when it was not lost so.</summary>
    [Id(14)] public ReroutedRequest[][] Evacuated { get; init; } = [];
    /// <summary>The online step correction the replica's simulation ran with, and its uncertainty; null from a twin that had none.</summary>
    [Id(30)] public StepCorrectionReport? StepCorrection { get; init; }

    public int Seeds => Running.Length;
    public int Steps => Running.Length == 0 ? 0 : Running[0].Length;
}
