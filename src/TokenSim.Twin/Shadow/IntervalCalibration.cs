using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Moves each bound of a forecast's interval by the errors its earlier intervals of the same metric and horizon made:
/// conformalized quantile regression in its asymmetric form (Romano, Patterson and Candès, "Conformalized Quantile
/// Regression", NeurIPS 2019, Theorem 2), its level steered online by adaptive conformal inference (Gibbs and Candès,
/// "Adaptive Conformal Inference Under Distribution Shift", NeurIPS 2021). Each scored observation y of an ensemble
/// interval [lo, hi] gives two signed scores, lo − y and y − hi; the next interval is [lo − Q<sub>lo</sub>,
/// hi + Q<sub>hi</sub>], each Q the ⌈(1 − α<sub>t</sub>)(n + 1)⌉-th smallest of its side's n scores. α<sub>t</sub>
/// starts at each side's share of the miss rate (0.1 for p10 and p90) and after each observation moves by
/// γ(0.1 − miss), miss 1 where y fell beyond that side of the interval issued, 0 otherwise.
/// </summary>
/// <remarks>
/// <para>
/// CQR alone covers a further observation at least 80% of the time when the scores are exchangeable. The twin's are
/// not: traffic changes (a burst, its end, a ramp), and the errors of forecasts issued a second apart over a horizon
/// of 20 s share 19 s of the future, so misses come in runs. ACI needs nothing of the kind: for any sequence, each
/// side's miss frequency over T scores is within (max(α<sub>1</sub>, 1 − α<sub>1</sub>) + γ) / (γT) of its target
/// (Gibbs and Candès, Proposition 4.1), so the 80% interval's realised coverage over any T consecutive scores is
/// within 2(1 + 2γ) / (γT) of 0.8. γ = 0.005 is theirs (the step size of their experiments); at one score a second
/// that is within ±0.11 after an hour of a replica's forecasts and ±0.02 after six, and says nothing over the minute
/// a short replay scores: there the moves are CQR's at nearly the nominal rank.
/// </para>
/// <para>
/// Before a side has the 9 scores its nominal rank needs (99 for p99, one-sided on y − p99), its move is 0 and the
/// ensemble's own bound stands; α<sub>t</sub> is updated from the first score, so misses of the ensemble's
/// intervals in that time already count. Where α<sub>t</sub> ≤ 0 ACI's interval is unbounded on that side: the lower
/// bound is then moved by its largest score (at 0 it is the quantity's floor in effect), the upper by its largest,
/// a finite stand-in so the bound can be exported and scored (the guarantee above assumes the unbounded one).
/// </para>
/// </remarks>
public sealed class IntervalCalibration(double gamma = IntervalCalibration.Gamma)
{
    /// <summary>ACI's step size, Gibbs and Candès (2021)'s.</summary>
    public const double Gamma = 0.005;
    /// <summary>The miss rate each side of the 80% interval is steered to, and p99's.</summary>
    public const double Side80 = 0.1, Side99 = 0.01;

    private readonly List<double> _below = [];
    private readonly List<double> _above = [];
    private readonly List<double> _scores99 = [];

    public int Count => _below.Count;

    /// <summary>ACI's current miss level α<sub>t</sub> for the lower bound (starts at 0.1).</summary>
    public double LevelBelow { get; private set; } = Side80;
    /// <summary>ACI's current miss level α<sub>t</sub> for the upper bound (starts at 0.1).</summary>
    public double LevelAbove { get; private set; } = Side80;
    /// <summary>ACI's current miss level for p99 (starts at 0.01).</summary>
    public double Level99 { get; private set; } = Side99;

    /// <summary>How far the p10 bound is moved down (negative: up); 0 before 9 scores.</summary>
    public double Lower80 => Move(_below, LevelBelow, Side80);

    /// <summary>How far the p90 bound is moved up (negative: down); 0 before 9 scores.</summary>
    public double Upper80 => Move(_above, LevelAbove, Side80);

    /// <summary>How much p99 is raised (negative: lowered); 0 before 99 scores.</summary>
    public double Widening99 => Move(_scores99, Level99, Side99);

    /// <summary>
    /// An observation of a forecast whose ensemble (not widened) quantiles were <paramref name="raw"/> and whose
    /// interval issued (widened as it was then) was <paramref name="issued"/>.
    /// </summary>
    public void Observe(SeedSpread raw, SeedSpread issued, double observed)
    {
        Insert(_below, raw.P10 - observed);
        Insert(_above, observed - raw.P90);
        Insert(_scores99, observed - raw.P99);
        LevelBelow += gamma * (Side80 - (observed < issued.P10 ? 1 : 0));
        LevelAbove += gamma * (Side80 - (observed > issued.P90 ? 1 : 0));
        Level99 += gamma * (Side99 - (observed > issued.P99 ? 1 : 0));
    }

    /// <summary>An observation of a forecast issued with the interval this calibration gives now.</summary>
    public void Observe(SeedSpread raw, double observed) => Observe(raw, Widen(raw), observed);

    /// <summary>The ensemble's quantiles moved by the scores so far, within [0, <paramref name="max"/>] and ordered around the median.</summary>
    public SeedSpread Widen(SeedSpread raw, double max = double.PositiveInfinity) => raw.Widen(Lower80, Upper80, Widening99, max);

    /// <summary>
    /// The ⌈(1 − level)(n + 1)⌉-th smallest score, within the scores' range; 0 while even the nominal level's rank is
    /// beyond n (too few scores to say).
    /// </summary>
    private static double Move(List<double> sorted, double level, double nominal)
    {
        int n = sorted.Count;
        if (Rank(1 - nominal, n) > n) return 0;
        return sorted[Math.Clamp(Rank(1 - level, n), 1, n) - 1];
    }

    private static int Rank(double q, int n) => (int)Math.Ceiling(q * (n + 1) - 1e-9);

    private static void Insert(List<double> sorted, double x)
    {
        int i = sorted.BinarySearch(x);
        sorted.Insert(i < 0 ? ~i : i, x);
    }
}
