using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Energy;

/// <summary>
/// The power of one engine rank's GPUs (TP × PP of them) during a step: static power plus the dynamic energy of the
/// step's FLOPs and DRAM bytes (<see cref="StepWork"/>) spread over its time, capped at the board power limit.
/// </summary>
/// <remarks>
/// The cap bounds power; it does not stretch time. Step times from measured profiles already include whatever clock
/// the GPU ran at under its power limit, and the analytical models time at the datasheet peak, which is the clock the
/// power limit allows at peak tensor rate (energy per FLOP is derived so that peak rate draws exactly the limit).
/// </remarks>
public sealed class PowerModel
{
    private readonly StepWork _work;
    private readonly double _joulesPerFlop, _joulesPerByte;

    public PowerModel(ReplicaSpec spec)
    {
        var hw = spec.Hardware;
        Power = hw.Power ?? throw new ArgumentException($"hardware '{hw.Name}' has no power: block (tdp_w, static_w, dram_pj_per_bit), so its energy cannot be modelled.");
        Gpus = spec.TensorParallel * spec.PipelineParallel;
        _work = new StepWork(spec);
        _joulesPerFlop = Power.JoulesPerFlop(hw.PeakFlops(spec.Model.DType));
        _joulesPerByte = Power.DramJoulesPerByte;
    }

    public GpuPower Power { get; }
    /// <summary>GPUs of one engine rank: TP × PP (each DP rank is its own rank).</summary>
    public int Gpus { get; }

    /// <summary>All the rank's GPUs' static draw.</summary>
    public double StaticWatts => Gpus * Power.StaticWatts;

    /// <summary>
    /// Energy above static of a step of shape <paramref name="shape"/> lasting <paramref name="seconds"/> on all the
    /// rank's GPUs, at most what the power limit allows in that time.
    /// </summary>
    /// <summary>FLOPs and DRAM bytes of a step of shape <paramref name="shape"/> on all the rank's GPUs (<see cref="StepWork"/>).</summary>
    public (double Flops, double Bytes) Work(in BatchShape shape) => _work.Of(shape);

    public double DynamicJoules(in BatchShape shape, double seconds)
    {
        var (flops, bytes) = _work.Of(shape);
        return DynamicJoules(flops, bytes, seconds);
    }

    /// <summary>
    /// Steps whose work grows by the same amount from one to the next (a decode stretch: step i has
    /// <paramref name="flops"/> + i·<paramref name="dFlops"/> and likewise bytes) lasting <paramref name="seconds"/>:
    /// adds each step's <see cref="DynamicJoules(double, double, double)"/> to <paramref name="dynamic"/> and raises
    /// <paramref name="peak"/> to its draw per GPU above static, skipping steps of no time, in step order (the same
    /// doubles as a call per step), with the model's constants read once.
    /// </summary>
    internal void AddSteps(double flops, double dFlops, double bytes, double dBytes, ReadOnlySpan<double> seconds, ref double dynamic, ref double peak)
    {
        double perFlop = _joulesPerFlop, perByte = _joulesPerByte, staticWatts = Power.StaticWatts;
        double cap = Gpus * (Power.TdpWatts - Power.StaticWatts);
        int gpus = Gpus;
        double sum = dynamic, top = peak;
        for (int i = 0; i < seconds.Length; i++)
        {
            double s = seconds[i];
            if (!(s > 0)) continue;
            double joules = Math.Min((flops + i * dFlops) * perFlop + (bytes + i * dBytes) * perByte, cap * Math.Max(0, s));
            sum += joules;
            top = Math.Max(top, staticWatts + joules / (gpus * s));
        }
        dynamic = sum;
        peak = top;
    }

    /// <summary>Energy above static of <paramref name="flops"/> and <paramref name="bytes"/> over all the rank's GPUs in <paramref name="seconds"/>, capped.</summary>
    public double DynamicJoules(double flops, double bytes, double seconds) =>
        Math.Min(flops * _joulesPerFlop + bytes * _joulesPerByte, Gpus * (Power.TdpWatts - Power.StaticWatts) * Math.Max(0, seconds));
}
