using TokenSim.Core.Entities;

namespace TokenSim.Emulator;

/// <summary>What one emulated engine (a replica) is: the simulated deployment, how it is served, and who it is.</summary>
public sealed record EmulatorOptions
{
    public required ReplicaSpec Spec { get; init; }
    /// <summary>The name <c>/v1/models</c> reports and requests must use (vLLM's <c>--served-model-name</c>).</summary>
    public required string ModelName { get; init; }
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8000;
    /// <summary>Simulated seconds per wall-clock second.</summary>
    public double Speed { get; init; } = 1.0;
    public string PerfModel { get; init; } = "roofline";
    public ulong Seed { get; init; } = 42;
    /// <summary>Replica index i: it serves on port P + i and publishes KV events on the configured port + i.</summary>
    public int ReplicaIndex { get; init; }
    /// <summary>The replica's name, as its spans carry it in <c>service.instance.id</c>.</summary>
    public string ReplicaName { get; init; } = "replica-0";
    /// <summary>Output lengths of requests that do not set <c>ignore_eos</c> (null: they run to max_tokens).</summary>
    public OutputLengthModel? OutputLengths { get; init; }
    /// <summary>vLLM's <c>--kv-events-config</c>; null = no KV events.</summary>
    public KvEventsConfig? KvEvents { get; init; }
    /// <summary>The wall clock the engine is paced by and stamps with; tests may give a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
