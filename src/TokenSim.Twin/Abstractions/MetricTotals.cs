namespace TokenSim.Twin.Abstractions;

/// <summary>
/// One metric (TTFT, TPOT or E2E) over every request that had both a prediction and an observation of it: the
/// observed and predicted distributions and the per-request absolute error in percent of the observed.
/// </summary>
[GenerateSerializer, Alias("TokenSim.Twin.MetricTotals")]
public sealed class MetricTotals
{
    [Id(0)] public QuantileSketch Observed { get; init; } = new();
    [Id(1)] public QuantileSketch Predicted { get; init; } = new();
    [Id(2)] public QuantileSketch AbsErrorPct { get; init; } = new();

    public void Add(double? observed, double? predicted)
    {
        if (observed is not { } o || predicted is not { } p) return;
        Observed.Add(o);
        Predicted.Add(p);
        if (o > 0) AbsErrorPct.Add(100 * Math.Abs(p - o) / o);
    }

    public void Merge(MetricTotals other)
    {
        Observed.Merge(other.Observed);
        Predicted.Merge(other.Predicted);
        AbsErrorPct.Merge(other.AbsErrorPct);
    }
}

/// <summary>
/// Accuracy over every request a replica (or, merged, a deployment) closed — finished or aborted — including those
/// whose records were evicted by the record bound.
/// </summary>
[GenerateSerializer, Alias("TokenSim.Twin.AccuracyTotals")]
public sealed class AccuracyTotals
{
    [Id(0)] public long Closed { get; set; }
    [Id(1)] public long Evicted { get; set; }
    [Id(2)] public MetricTotals Ttft { get; init; } = new();
    [Id(3)] public MetricTotals Tpot { get; init; } = new();
    [Id(4)] public MetricTotals E2e { get; init; } = new();

    public void Add(RequestAccuracy r)
    {
        Closed++;
        Ttft.Add(r.ObservedTtftSeconds, r.PredictedTtftSeconds);
        Tpot.Add(r.ObservedTpotSeconds, r.PredictedTpotSeconds);
        E2e.Add(r.ObservedE2eSeconds, r.PredictedE2eSeconds);
    }

    public void Merge(AccuracyTotals other)
    {
        Closed += other.Closed;
        Evicted += other.Evicted;
        Ttft.Merge(other.Ttft);
        Tpot.Merge(other.Tpot);
        E2e.Merge(other.E2e);
    }

    public AccuracyTotals Copy()
    {
        var c = new AccuracyTotals();
        c.Merge(this);
        return c;
    }
}
