namespace TokenSim.Twin.Abstractions.Events;

/// <summary>The engine's queues and KV cache as it reported them, compared with the simulation's at the same instant.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.Events.EngineSnapshotTaken")]
public sealed record EngineSnapshotTaken : TwinEvent
{
    public override string PayloadName => "engine_snapshot";
    [Id(0)] public int Running { get; init; }
    [Id(1)] public int Waiting { get; init; }
    /// <summary>KV cache use as a fraction in [0, 1]; null when the engine did not report it.</summary>
    [Id(2)] public double? KvCacheUsage { get; init; }
    [Id(3)] public int? KvBlocksTotal { get; init; }
}
