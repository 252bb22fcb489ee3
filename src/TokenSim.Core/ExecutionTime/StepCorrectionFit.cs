using TokenSim.Core.Metrics;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Fits a <see cref="StepCorrection"/> to <see cref="StepWindow"/>s: the observed mean step time of each window
/// against k × (the simulated steps' mean model time) + c × (their share carrying prefill), for kernel scale k and
/// per-prefill-step cost c. The one fitter of both the offline <c>--calibrate-on</c> (<see cref="Validation.BenchCalibration"/>)
/// and the twin's online calibration.
/// </summary>
/// <remarks>
/// Residuals are relative (a window of 10 ms steps counts as much as one of 40 ms), and the fit is robust: Huber
/// weights at 1.345 robust standard deviations (1.4826 × MAD), iteratively reweighted, so a few windows off by any
/// amount move it little. Bounded: a term outside <see cref="StepCorrection"/>'s limits is held at the limit and the
/// other refitted. Windows with no prefill steps at all leave the cost unidentified: it stays 0 with a NaN standard
/// error. Standard errors are σ²(XᵀWX)⁻¹ over the final weights, which treats windows as independent; windows of
/// requests decoding at the same time share steps, so they understate the uncertainty by up to √(overlap).
/// </remarks>
public static class StepCorrectionFit
{
    private const double HuberK = 1.345, MadToSigma = 1.4826;
    private const int Iterations = 30;

    public static StepCorrectionEstimate Fit(IReadOnlyList<StepWindow> windows)
    {
        var w = windows.Where(x => x.ModelSeconds > 0 && x.ObservedSeconds > 0 && double.IsFinite(x.ObservedSeconds) && x.PrefillShare is >= 0 and <= 1).ToArray();
        if (w.Length < 2) return StepCorrectionEstimate.None;
        var weight = new double[w.Length];
        Array.Fill(weight, 1.0);
        var residual = new double[w.Length];
        var magnitudes = new double[w.Length];
        double k = 1, c = 0, scale = double.NaN;
        bool prefillSeen = w.Any(x => x.PrefillShare > 0);
        for (int it = 0; it < Iterations; it++)
        {
            var (k1, c1) = Solve(w, weight, prefillSeen);
            for (int i = 0; i < w.Length; i++) residual[i] = Residual(w[i], k1, c1);
            scale = MadToSigma * MedianMagnitude(residual, magnitudes);
            for (int i = 0; i < w.Length; i++)
                weight[i] = scale > 0 && Math.Abs(residual[i]) > HuberK * scale ? HuberK * scale / Math.Abs(residual[i]) : 1;
            bool settled = Math.Abs(k1 - k) < 1e-9 && Math.Abs(c1 - c) < 1e-12;
            (k, c) = (k1, c1);
            if (settled) break;
        }
        for (int i = 0; i < w.Length; i++) residual[i] = Residual(w[i], k, c);

        // Covariance over the final weights (relative rows: x / y).
        double amm = 0, amp = 0, app = 0, rss = 0, wsum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double m = w[i].ModelSeconds / w[i].ObservedSeconds, p = w[i].PrefillShare / w[i].ObservedSeconds;
            amm += weight[i] * m * m; amp += weight[i] * m * p; app += weight[i] * p * p;
            rss += weight[i] * residual[i] * residual[i]; wsum += weight[i];
        }
        int terms = prefillSeen ? 2 : 1;
        double sigma2 = w.Length > terms ? rss / Math.Max(wsum - terms, 1e-9) : double.NaN;
        double seK, seC = double.NaN, cov = 0;
        double det = amm * app - amp * amp;
        if (prefillSeen && det > 1e-12 * amm * app)
        {
            seK = Math.Sqrt(sigma2 * app / det);
            seC = Math.Sqrt(sigma2 * amm / det);
            cov = -sigma2 * amp / det;
        }
        else seK = Math.Sqrt(sigma2 / amm);
        return new StepCorrectionEstimate
        {
            Correction = new StepCorrection { KernelScale = k, PrefillStepSeconds = c }.Clamped(),
            KernelScaleStdErr = seK, PrefillStepStdErr = seC, Covariance = double.IsFinite(cov) ? cov : 0,
            Windows = w.Length, ResidualScale = scale,
        };
    }

    /// <summary>
    /// <see cref="RobustStats.Median"/> of the finite |residuals| (0 when none), selected in <paramref name="scratch"/>:
    /// the same value without LINQ's sorted copies, or any sort, in each of up to 30 iterations (the twin refits every
    /// sixteenth finish, on its ingest path: docs/operations.md, the soak's allocations; a sort per iteration was 3%
    /// of the server's CPU under bench/ingest).
    /// </summary>
    internal static double MedianMagnitude(double[] residual, double[] scratch)
    {
        int n = 0;
        foreach (double r in residual)
            if (double.IsFinite(r)) scratch[n++] = Math.Abs(r);
        if (n == 0) return 0;
        int mid = n / 2;
        double upper = Select(scratch, n, mid);
        if (n % 2 == 1) return upper;
        // Everything before the middle is at most it: the sorted order's element before it is their largest.
        double lower = scratch[0];
        for (int i = 1; i < mid; i++) lower = Math.Max(lower, scratch[i]);
        return 0.5 * (lower + upper);
    }

    /// <summary>
    /// The <paramref name="k"/>-th smallest of the first <paramref name="n"/> values (no NaN), moved to index k with
    /// none larger before it and none smaller after it (Wirth's selection, C. A. R. Hoare's FIND).
    /// </summary>
    private static double Select(double[] a, int n, int k)
    {
        int left = 0, right = n - 1;
        while (left < right)
        {
            double pivot = a[k];
            int i = left, j = right;
            do
            {
                while (a[i] < pivot) i++;
                while (pivot < a[j]) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            } while (i <= j);
            if (j < k) left = i;
            if (k < i) right = j;
        }
        return a[k];
    }

    private static double Residual(in StepWindow x, double k, double c) =>
        (x.ObservedSeconds - k * x.ModelSeconds - c * x.PrefillShare) / x.ObservedSeconds;

    /// <summary>Weighted least squares of both terms, a term outside its bounds held there and the other refitted.</summary>
    private static (double K, double C) Solve(StepWindow[] w, double[] weight, bool withPrefill)
    {
        double amm = 0, amp = 0, app = 0, bm = 0, bp = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double y = w[i].ObservedSeconds, m = w[i].ModelSeconds / y, p = w[i].PrefillShare / y;
            amm += weight[i] * m * m; amp += weight[i] * m * p; app += weight[i] * p * p;
            bm += weight[i] * m; bp += weight[i] * p;
        }
        double KAlone(double c) => Math.Clamp((bm - c * amp) / amm, StepCorrection.MinScale, StepCorrection.MaxScale);
        double CAlone(double k) => Math.Clamp((bp - k * amp) / app, 0, StepCorrection.MaxPrefillStepSeconds);
        double det = amm * app - amp * amp;
        if (!withPrefill || !(det > 1e-12 * amm * app)) return (KAlone(0), 0);
        double k = (bm * app - bp * amp) / det, c = (amm * bp - amp * bm) / det;
        if (c < 0 || c > StepCorrection.MaxPrefillStepSeconds)
        {
            c = Math.Clamp(c, 0, StepCorrection.MaxPrefillStepSeconds);
            k = KAlone(c);
        }
        else if (k < StepCorrection.MinScale || k > StepCorrection.MaxScale)
        {
            k = Math.Clamp(k, StepCorrection.MinScale, StepCorrection.MaxScale);
            c = CAlone(k);
        }
        return (k, c);
    }
}
