using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Energy;

/// <summary>
/// Adds up a run's energy as it steps: each step's dynamic energy (<see cref="PowerModel"/>) as the step starts, and at
/// the end every GPU's static power over the run, idle time between steps included. A step meter
/// (<see cref="Simulator.StepMeter"/>), so it sees the steps decode runs advance in one go and the run keeps the skip.
/// </summary>
public sealed class EnergyMeter : IStepMeter
{
    private readonly Simulator _sim;
    private readonly Dictionary<ReplicaSpec, PowerModel> _models = new(ReferenceEqualityComparer.Instance);
    private double _dynamic, _peak;
    // Each replica's model at hand: the step loop calls OnStep millions of times.
    private PowerModel?[] _byReplica = [];

    private EnergyMeter(Simulator sim) => _sim = sim;

    /// <summary>A meter for <paramref name="sim"/>, or null with the reason when a replica's GPU has no <c>power:</c> block.</summary>
    public static EnergyMeter? For(Simulator sim, out string? unavailable)
    {
        var specs = sim.Replicas.Select(r => r.Spec).Append(sim.Options.Replica).Distinct();
        var missing = specs.FirstOrDefault(s => s.Hardware.Power is null);
        unavailable = missing is null ? null : $"no energy figures: hardware '{missing.Hardware.Name}' has no power: block (tdp_w, static_w, dram_pj_per_bit).";
        return missing is null ? new EnergyMeter(sim) : null;
    }

    public void OnStep(int replica, in BatchShape shape, double start, double seconds)
    {
        if (seconds <= 0) return;
        var model = ReplicaModel(replica);
        Add(model, model.DynamicJoules(shape, seconds), seconds);
    }

    /// <summary>
    /// A decode run's steps: a step's FLOPs and bytes are linear in its decode context (attention reads it; nothing
    /// else depends on it), so two shapes give every step's work, equal to the per-step counts up to rounding.
    /// </summary>
    public void OnDecodeSteps(int replica, in BatchShape first, ReadOnlySpan<double> starts, ReadOnlySpan<double> seconds)
    {
        var model = ReplicaModel(replica);
        var (flops, bytes) = model.Work(first);
        var next = first;
        next.DecodeContext += first.DecodeCount;
        next.DecodeAboveMeanContext += first.DecodeAboveMean;
        var (flops1, bytes1) = model.Work(next);
        model.AddSteps(flops, flops1 - flops, bytes, bytes1 - bytes, seconds, ref _dynamic, ref _peak);
    }

    private PowerModel ReplicaModel(int replica)
    {
        if (replica >= _byReplica.Length) Array.Resize(ref _byReplica, _sim.Replicas.Count);
        return _byReplica[replica] ??= ModelOf(_sim.Replicas[replica].Spec);
    }

    private void Add(PowerModel model, double dynamic, double seconds)
    {
        _dynamic += dynamic;
        _peak = Math.Max(_peak, model.Power.StaticWatts + dynamic / (model.Gpus * seconds));
    }

    private PowerModel ModelOf(ReplicaSpec spec)
    {
        if (!_models.TryGetValue(spec, out var model)) _models[spec] = model = new PowerModel(spec);
        return model;
    }

    /// <summary>
    /// The run's energy over <paramref name="seconds"/> (the report's makespan), or over the GPU-hours a scenario paid
    /// for when it has one: every GPU draws its static power all along, plus what the steps added.
    /// </summary>
    public EnergyReport Summarize(double seconds, long outputTokens)
    {
        double gpuSeconds, staticJoules;
        if (_sim.GpuHours is { } hours)
        {
            // A scenario's fleet changes: GPUs are paid for (and powered) while serving, starting and draining.
            var model = ModelOf(_sim.Options.Replica);
            gpuSeconds = hours * 3600;
            staticJoules = gpuSeconds * model.Power.StaticWatts;
        }
        else
        {
            gpuSeconds = staticJoules = 0;
            foreach (var r in _sim.Replicas)
            {
                var model = ModelOf(r.Spec);
                gpuSeconds += model.Gpus * seconds;
                staticJoules += model.StaticWatts * seconds;
            }
        }
        double joules = staticJoules + _dynamic;
        double staticPerGpu = gpuSeconds > 0 ? staticJoules / gpuSeconds : 0;
        return new EnergyReport
        {
            Joules = joules, StaticJoules = staticJoules, GpuSeconds = gpuSeconds,
            AveragePowerWatts = gpuSeconds > 0 ? joules / gpuSeconds : 0,
            PeakPowerWatts = Math.Max(_peak, staticPerGpu),
            JoulesPerOutputToken = outputTokens > 0 ? joules / outputTokens : null,
        };
    }
}
