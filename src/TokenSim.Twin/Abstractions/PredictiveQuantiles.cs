using MathNet.Numerics.Distributions;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// Quantiles of the next draw from the distribution a small ensemble was drawn from, and the loss they are scored by.
/// </summary>
/// <remarks>
/// A forecast runs 3 to 64 seeds. The empirical p10 and p90 of 3 draws lie inside their range, which holds the next
/// draw with probability only (n − 1) / (n + 1) = 1/2, so an interval read off the seeds covers far less than 80%. The
/// prediction interval of a normal sample (mean ± t<sub>n−1</sub>(q) · s · √(1 + 1/n), Student's t with n − 1
/// degrees of freedom, the usual textbook interval for one new observation) accounts for both the spread and how few
/// seeds measured it; with many seeds it tends to the normal quantiles.
/// </remarks>
public static class PredictiveQuantiles
{
    /// <summary>The q-quantile of one more draw, given the mean and standard deviation (n − 1) of <paramref name="n"/> draws.</summary>
    public static double Of(double mean, double sd, int n, double q)
    {
        if (!(q > 0 && q < 1)) throw new ArgumentOutOfRangeException(nameof(q), $"A quantile's probability is between 0 and 1 (got {q}).");
        if (n < 2 || !(sd > 0)) return mean;
        return mean + StudentT.InvCDF(0, 1, n - 1, q) * sd * Math.Sqrt(1 + 1.0 / n);
    }

    /// <summary>
    /// The pinball (quantile) loss of forecasting <paramref name="forecast"/> as the q-quantile when
    /// <paramref name="observed"/> came: q × the shortfall, or (1 − q) × the excess. Its expectation is least at the
    /// true q-quantile; at q = 0.5 it is half the absolute error.
    /// </summary>
    public static double Pinball(double q, double forecast, double observed) =>
        observed >= forecast ? q * (observed - forecast) : (1 - q) * (forecast - observed);

    /// <summary>The mean pinball loss of a spread's p10, p50 and p90.</summary>
    public static double Pinball(SeedSpread f, double observed) =>
        (Pinball(0.1, f.P10, observed) + Pinball(0.5, f.P50, observed) + Pinball(0.9, f.P90, observed)) / 3;
}
