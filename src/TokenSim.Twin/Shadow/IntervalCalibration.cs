using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Widens a forecast's intervals by the errors its earlier intervals of the same metric and horizon made: online
/// conformalized quantile regression (Romano, Patterson and Candès, "Conformalized Quantile Regression", NeurIPS
/// 2019). Each scored observation y of an ensemble interval [lo, hi] gives the conformity score max(lo − y, y − hi)
/// (how far outside the interval it fell; negative inside); the next interval is [lo − Q, hi + Q] with Q the
/// ⌈(1 − α)(n + 1)⌉-th smallest of the n scores so far, which covers a further exchangeable observation with
/// probability at least 1 − α. Q is negative when the ensemble is too wide, so it narrows as well as widens.
/// </summary>
/// <remarks>
/// The ensemble carries the uncertainty it can draw (traffic, output lengths, the engine model's measured error);
/// what it cannot (the lockstep state's drift from production, traffic changing in ways the traffic model does not
/// foresee) shows in the scores. p80 uses α = 0.2 and needs 4 scores; p99 is widened one-sidedly by the
/// ⌈0.99(n + 1)⌉-th smallest of y − p99, which needs 99. With fewer, the ensemble's own quantiles stand.
/// </remarks>
public sealed class IntervalCalibration
{
    private readonly List<double> _scores80 = [];
    private readonly List<double> _scores99 = [];

    public int Count => _scores80.Count;

    /// <summary>How much the p10–p90 interval is widened on each side (negative: narrowed); 0 before 4 scores.</summary>
    public double Widening80 => Rank(_scores80, 0.8);

    /// <summary>How much p99 is raised (negative: lowered); 0 before 99 scores.</summary>
    public double Widening99 => Rank(_scores99, 0.99);

    /// <summary>An observation of a forecast whose ensemble (not widened) quantiles were <paramref name="raw"/>.</summary>
    public void Observe(SeedSpread raw, double observed)
    {
        Insert(_scores80, Math.Max(raw.P10 - observed, observed - raw.P90));
        Insert(_scores99, observed - raw.P99);
    }

    /// <summary>The ensemble's quantiles widened by the scores so far, within [0, <paramref name="max"/>] and ordered around the median.</summary>
    public SeedSpread Widen(SeedSpread raw, double max = double.PositiveInfinity) => raw.Widen(Widening80, Widening99, max);

    /// <summary>The ⌈q(n + 1)⌉-th smallest score; 0 while that rank is beyond n (too few scores to say).</summary>
    private static double Rank(List<double> sorted, double q)
    {
        int rank = (int)Math.Ceiling(q * (sorted.Count + 1) - 1e-9);
        return rank > sorted.Count || rank < 1 ? 0 : sorted[rank - 1];
    }

    private static void Insert(List<double> sorted, double x)
    {
        int i = sorted.BinarySearch(x);
        sorted.Insert(i < 0 ? ~i : i, x);
    }
}
