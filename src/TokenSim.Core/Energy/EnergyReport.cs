namespace TokenSim.Core.Energy;

/// <summary>A run's energy (<see cref="EnergyMeter"/>). Powers are per GPU; energies are of all the run's GPUs.</summary>
public sealed record EnergyReport
{
    public required double Joules { get; init; }
    /// <summary>The part of <see cref="Joules"/> that static power drew, idle time included.</summary>
    public required double StaticJoules { get; init; }
    /// <summary>GPUs × seconds powered: the replicas' GPUs over the makespan, or a scenario's GPU-hours.</summary>
    public required double GpuSeconds { get; init; }
    /// <summary>Mean draw of one GPU over the run.</summary>
    public required double AveragePowerWatts { get; init; }
    /// <summary>The highest draw of one GPU during any step (at most its power limit).</summary>
    public required double PeakPowerWatts { get; init; }
    /// <summary>Null when the run produced no tokens.</summary>
    public required double? JoulesPerOutputToken { get; init; }

    /// <summary>Dollars per million output tokens at <paramref name="costPerGpuHour"/> for every GPU powered; null without a price or tokens.</summary>
    public static double? CostPerMillionOutputTokens(double? costPerGpuHour, double gpuSeconds, long outputTokens) =>
        costPerGpuHour is { } price && outputTokens > 0 ? price * gpuSeconds / 3600 / outputTokens * 1e6 : null;
}
