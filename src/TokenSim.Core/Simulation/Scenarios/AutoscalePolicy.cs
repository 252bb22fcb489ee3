namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A replica-count policy, evaluated every <see cref="IntervalSeconds"/>: one replica more when <see cref="Metric"/>
/// is above <see cref="Up"/> (at most one per <see cref="UpCooldownSeconds"/>), one fewer when below
/// <see cref="Down"/> (at most one per <see cref="DownCooldownSeconds"/> since the last change either way). A new
/// replica serves after its start-up delay; a removed one drains (takes no new request, finishes its own).
/// </summary>
public sealed record AutoscalePolicy
{
    public AutoscaleMetric Metric { get; init; } = AutoscaleMetric.Waiting;
    public double Up { get; init; }
    public double Down { get; init; }
    public int MinReplicas { get; init; } = 1;
    public int MaxReplicas { get; init; } = 1;
    public double IntervalSeconds { get; init; } = 10;
    public double UpCooldownSeconds { get; init; } = 60;
    public double DownCooldownSeconds { get; init; } = 300;
    /// <summary>The start-up delay of a new replica; null computes it (<see cref="StartupDelay"/>).</summary>
    public double? StartupSeconds { get; init; }
    /// <summary>Scales the decode pool of a disaggregated deployment (<c>pool: decode</c>), reading its metric there,
    /// rather than the prefill (entry) pool.</summary>
    public bool Decode { get; init; }
    public int Line { get; init; }
}
