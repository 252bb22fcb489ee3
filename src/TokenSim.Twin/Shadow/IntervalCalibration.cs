using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Moves each bound of a forecast's interval by the errors its earlier intervals of the same metric and horizon made:
/// online conformalized quantile regression in its asymmetric form (Romano, Patterson and Candès, "Conformalized
/// Quantile Regression", NeurIPS 2019, Theorem 2). Each scored observation y of an ensemble interval [lo, hi] gives
/// two signed scores, lo − y (how far below the lower bound it fell; negative above it) and y − hi; the next interval
/// is [lo − Q<sub>lo</sub>, hi + Q<sub>hi</sub>], each Q the ⌈(1 − α/2)(n + 1)⌉-th smallest of its n scores, which
/// covers a further exchangeable observation with probability at least 1 − α. A Q is negative where the ensemble's
/// bound is further out than it needs to be, so the interval narrows as well as widens, and a biased ensemble (its
/// errors mostly on one side) has its interval moved towards the observations, not only widened.
/// </summary>
/// <remarks>
/// The ensemble carries the uncertainty it can draw (traffic, output lengths, the engine model's measured error);
/// what it cannot (the lockstep state's drift from production, traffic changing in ways the traffic model does not
/// foresee) shows in the scores. p10–p90 uses α = 0.2, so each side is the 90% rank, which needs 9 scores; p99 is
/// moved one-sidedly by the ⌈0.99(n + 1)⌉-th smallest of y − p99, which needs 99. With fewer, the ensemble's own
/// quantiles stand. The symmetric form (one score, max(lo − y, y − hi), at the 80% rank) was used before: it widens
/// both sides by the worse one's error, so an interval centred on a biased median stayed centred there.
/// </remarks>
public sealed class IntervalCalibration
{
    private readonly List<double> _below = [];
    private readonly List<double> _above = [];
    private readonly List<double> _scores99 = [];

    public int Count => _below.Count;

    /// <summary>How far the p10 bound is moved down (negative: up); 0 before 9 scores.</summary>
    public double Lower80 => Rank(_below, 0.9);

    /// <summary>How far the p90 bound is moved up (negative: down); 0 before 9 scores.</summary>
    public double Upper80 => Rank(_above, 0.9);

    /// <summary>How much p99 is raised (negative: lowered); 0 before 99 scores.</summary>
    public double Widening99 => Rank(_scores99, 0.99);

    /// <summary>An observation of a forecast whose ensemble (not widened) quantiles were <paramref name="raw"/>.</summary>
    public void Observe(SeedSpread raw, double observed)
    {
        Insert(_below, raw.P10 - observed);
        Insert(_above, observed - raw.P90);
        Insert(_scores99, observed - raw.P99);
    }

    /// <summary>The ensemble's quantiles moved by the scores so far, within [0, <paramref name="max"/>] and ordered around the median.</summary>
    public SeedSpread Widen(SeedSpread raw, double max = double.PositiveInfinity) => raw.Widen(Lower80, Upper80, Widening99, max);

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
