using TokenSim.Core.Entities;
using TokenSim.Core.Scheduling.Replica;

namespace TokenSim.Planning;

/// <summary>
/// The candidates: every hardware × TP × scheduler × replica count from <see cref="MinReplicas"/> to
/// <see cref="MaxReplicas"/>, each GPU priced per hour.
/// </summary>
public sealed record CandidateSpace
{
    public required IReadOnlyList<string> Hardware { get; init; }
    public IReadOnlyList<int> Tp { get; init; } = [1];
    public IReadOnlyList<string> Scheduler { get; init; } = ["vllm-v1"];
    public int MinReplicas { get; init; } = 1;
    public required int MaxReplicas { get; init; }
    /// <summary>Price of one GPU-hour by hardware name (as listed in <see cref="Hardware"/>).</summary>
    public required IReadOnlyDictionary<string, double> CostPerGpuHour { get; init; }

    public const int MaxReplicaCount = 1024;

    /// <summary>Configurations considered: hardware × TP × scheduler × replica counts.</summary>
    public long Count => (long)Hardware.Count * Tp.Count * Scheduler.Count * Math.Max(0, MaxReplicas - MinReplicas + 1);

    public IEnumerable<CandidateGroup> Groups() =>
        from h in Hardware from tp in Tp from s in Scheduler select new CandidateGroup(h, tp, s);

    public double CostPerHour(Candidate c) => CostPerGpuHour[c.Hardware] * c.Gpus;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field (<paramref name="prefix"/> + name) that is wrong.</summary>
    public void Validate(string prefix = "candidates.")
    {
        if (Hardware.Count == 0) throw new ArgumentException($"{prefix}hardware is empty: list at least one GPU.");
        if (Tp.Count == 0) throw new ArgumentException($"{prefix}tensor_parallel is empty: list at least one TP size.");
        if (Scheduler.Count == 0) throw new ArgumentException($"{prefix}scheduler is empty: list at least one scheduler.");
        foreach (var h in Hardware)
        {
            if (!HardwareCatalog.TryGet(h, out _))
                throw new ArgumentException($"{prefix}hardware: unknown GPU '{h}'. Known: {string.Join(", ", HardwareCatalog.Names)}.");
            if (!CostPerGpuHour.TryGetValue(h, out var price))
                throw new ArgumentException($"{prefix}cost_per_gpu_hour has no price for '{h}'.");
            if (!(price > 0 && price <= EngineLimits.MaxCostPerGpuHour))
                throw new ArgumentException($"{prefix}cost_per_gpu_hour['{h}'] must be a positive number, at most {EngineLimits.MaxCostPerGpuHour:N0} (got {price}).");
        }
        if (Hardware.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Hardware.Count) throw new ArgumentException($"{prefix}hardware lists a GPU twice.");
        foreach (var tp in Tp)
            if (tp < 1) throw new ArgumentException($"{prefix}tensor_parallel must be at least 1 (got {tp}).");
        if (Tp.Distinct().Count() != Tp.Count) throw new ArgumentException($"{prefix}tensor_parallel lists a size twice.");
        foreach (var s in Scheduler)
            if (!ReplicaSchedulers.Registry.Contains(s))
                throw new ArgumentException($"{prefix}scheduler: unknown scheduler '{s}'. Known: {string.Join(", ", ReplicaSchedulers.Registry.Names)}.");
        if (Scheduler.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Scheduler.Count) throw new ArgumentException($"{prefix}scheduler lists a scheduler twice.");
        if (MinReplicas < 1) throw new ArgumentException($"{prefix}min_replicas must be at least 1 (got {MinReplicas}).");
        if (MaxReplicas < MinReplicas || MaxReplicas > MaxReplicaCount)
            throw new ArgumentException($"{prefix}max_replicas must be from min_replicas ({MinReplicas}) to {MaxReplicaCount} (got {MaxReplicas}).");
    }
}
