namespace TokenSim.Planning;

/// <summary>
/// What a candidate must achieve on the traffic. Two forms:
/// <list type="bullet">
/// <item>Percentile (<see cref="Attainment"/> null): the <see cref="Percentile"/>-quantile of TTFT is at most
/// <see cref="TtftSeconds"/> and that of TPOT at most <see cref="TpotSeconds"/>.</item>
/// <item>Goodput (<see cref="Attainment"/> set): at least that fraction of the requests each meet both limits (DistServe's
/// SLO attainment; the goodput is that fraction times the request rate).</item>
/// </list>
/// A limit left null is not checked. Either way every request must be served: a candidate that rejects any
/// (a prompt longer than its max_model_len) does not meet the SLOs.
/// </summary>
public sealed record Slo
{
    public double? TtftSeconds { get; init; }
    public double? TpotSeconds { get; init; }
    /// <summary>The quantile the limits apply to, in (0, 1); default 0.99.</summary>
    public double Percentile { get; init; } = 0.99;
    /// <summary>When set, the goodput form: the fraction of requests, in (0, 1], that must meet both limits.</summary>
    public double? Attainment { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the field (<paramref name="prefix"/> + name) that is wrong.</summary>
    public void Validate(string prefix = "slo.")
    {
        if (TtftSeconds is null && TpotSeconds is null)
            throw new ArgumentException($"{prefix}ttft_s and {prefix}tpot_s are both missing: give at least one latency limit.");
        if (TtftSeconds is { } t && !(t > 0 && double.IsFinite(t))) throw new ArgumentException($"{prefix}ttft_s must be a positive number of seconds (got {t}).");
        if (TpotSeconds is { } p && !(p > 0 && double.IsFinite(p))) throw new ArgumentException($"{prefix}tpot_s must be a positive number of seconds (got {p}).");
        if (!(Percentile > 0 && Percentile < 1)) throw new ArgumentException($"{prefix}percentile must be in (0, 1), e.g. 0.99 (got {Percentile}).");
        if (Attainment is { } a && !(a > 0 && a <= 1)) throw new ArgumentException($"{prefix}attainment must be in (0, 1] (got {a}).");
    }

    public string Describe()
    {
        var limits = new List<string>();
        if (TtftSeconds is { } t) limits.Add($"TTFT ≤ {t * 1000:G4} ms");
        if (TpotSeconds is { } p) limits.Add($"TPOT ≤ {p * 1000:G4} ms");
        return Attainment is { } a
            ? $"{a:P0} of requests with {string.Join(" and ", limits)}"
            : $"p{Percentile * 100:G4} {string.Join(", p" + (Percentile * 100).ToString("G4") + " ", limits)}";
    }
}
