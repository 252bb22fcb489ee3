using TokenSim.Core.Metrics;

namespace TokenSim.Planning;

/// <summary>
/// What simulating one candidate predicts. <see cref="TtftAtPercentile"/> and <see cref="TpotAtPercentile"/> are the
/// SLO percentile's quantiles; <see cref="Attainment"/> the fraction of the traffic's requests meeting every limit.
/// <see cref="Error"/> is set instead of metrics when the configuration cannot run (the model does not fit).
/// </summary>
public sealed record CandidateResult
{
    public required Candidate Candidate { get; init; }
    public required double CostPerHour { get; init; }
    public bool MeetsSlo { get; init; }
    public double TtftAtPercentile { get; init; }
    public double TpotAtPercentile { get; init; }
    public double Attainment { get; init; }
    public Distribution Ttft { get; init; }
    public Distribution Tpot { get; init; }
    public long Requests { get; init; }
    public long Rejected { get; init; }
    public double OutputTokensPerSecond { get; init; }
    public double KvUsageMax { get; init; }
    public long Preemptions { get; init; }
    /// <summary>All GPUs' energy per output token on the traffic; null when not metered (a GPU without power figures, a server's plan).</summary>
    public double? JoulesPerOutputToken { get; init; }
    /// <summary>Mean draw of one GPU over the traffic; null when not metered.</summary>
    public double? AveragePowerWatts { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>Where it ran: <c>local</c>, or the silo's address.</summary>
    public string Worker { get; init; } = "local";
    public string? Error { get; init; }
    /// <summary>
    /// Set when the simulation stopped as soon as the candidate was certain to miss (<see cref="SloVerdict"/>): why.
    /// Its figures then cover only the requests finished by <see cref="StoppedAtSeconds"/> (<see cref="Requests"/> of
    /// the traffic's), not the whole run.
    /// </summary>
    public string? StopReason { get; init; }
    /// <summary>Simulated time at which a stopped run stopped.</summary>
    public double StoppedAtSeconds { get; init; }

    public bool Simulated => Error is null;
    /// <summary>True when the figures are a stopped run's, not the whole traffic's.</summary>
    public bool StoppedEarly => StopReason is not null;

    /// <summary>How far from the SLOs: the largest ratio of a percentile to its limit (≤ 1 meets), or for goodput the shortfall ratio.</summary>
    public double Violation(Slo slo)
    {
        if (!Simulated) return double.PositiveInfinity;
        if (slo.Attainment is { } a) return Attainment <= 0 ? double.PositiveInfinity : a / Attainment;
        double v = 0;
        if (slo.TtftSeconds is { } t) v = Math.Max(v, TtftAtPercentile / t);
        if (slo.TpotSeconds is { } p) v = Math.Max(v, TpotAtPercentile / p);
        return Rejected > 0 ? double.PositiveInfinity : v;
    }
}
