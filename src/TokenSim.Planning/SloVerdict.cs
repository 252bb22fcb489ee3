using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;

namespace TokenSim.Planning;

/// <summary>
/// Watches requests finish and says when a candidate's SLO verdict can no longer be "meets", whatever the rest of the
/// run does, so that its simulation can stop there. It also counts the requests meeting every limit (the attainment),
/// as <see cref="SloCounter"/> does. The verdict is that of <see cref="CandidateEvaluator"/> on the whole run:
/// <list type="bullet">
/// <item>a rejected request: the candidate misses;</item>
/// <item>goodput form: once so many requests have missed a limit that even every remaining one meeting both cannot lift
/// the attainment to the target;</item>
/// <item>percentile form: once more requests are "high" than the quantile's rank leaves above it. The quantile is
/// <see cref="LogHistogram.Quantile"/>'s nearest rank, reported as its bucket's middle clamped to the exact minimum
/// and maximum, so a value counts as high only when it is over the limit and so is its bucket's middle: then the
/// rank's value is high, its bucket's middle is over the limit and the maximum is at least that value, so the
/// quantile the whole run reports is over the limit too. The rank is taken at every final count the histogram could
/// reach (at most one value per request), so the count of requests not yet finished cannot make it wrong.</item>
/// </list>
/// </summary>
public sealed class SloVerdict : ISimulationObserver
{
    private readonly Slo _slo;
    private readonly int _requests;
    private readonly long _highNeeded;
    private long _highTtft, _highTpot;

    public SloVerdict(Slo slo, int requests)
    {
        _slo = slo;
        _requests = requests;
        _highNeeded = HighNeeded(slo.Percentile, requests);
    }

    public long Good { get; private set; }
    public long Finished { get; private set; }

    /// <summary>Why the candidate misses whatever happens next; null while it still may meet the SLOs.</summary>
    public string? CertainMiss { get; private set; }

    /// <summary>It reads finished requests and rejections only, so decode steps may go by in runs.</summary>
    public bool WantsEveryStep => false;

    /// <summary>
    /// The fewest values over the limit (and in a bucket whose middle is) that put the <paramref name="percentile"/>
    /// nearest-rank quantile over it, for every count up to <paramref name="requests"/>: at count m the rank is
    /// ceil(p·m), and the values from that rank up number m − rank + 1.
    /// </summary>
    public static long HighNeeded(double percentile, int requests)
    {
        long need = 1;
        for (long m = 1; m <= requests; m++) need = Math.Max(need, m - (long)Math.Ceiling(percentile * m) + 1);
        return need;
    }

    public void OnRejected(Request r, double now, string reason) => CertainMiss ??= "a request was rejected";

    public void OnFinished(Request r, double now)
    {
        Finished++;
        if ((_slo.TtftSeconds is not { } t || r.TtftSeconds <= t) && (_slo.TpotSeconds is not { } p || r.TpotSeconds <= p))
            Good++;
        if (CertainMiss is not null) return;
        if (_slo.Attainment is { } a)
        {
            // Even if every request not yet finished meets both limits, the fraction stays under the target.
            if ((double)(_requests - (Finished - Good)) / _requests < a)
                CertainMiss = $"{Finished - Good:N0} requests missed a limit: the attainment cannot reach {a:P1}";
            return;
        }
        if (_slo.TtftSeconds is { } ttft && High(r.TtftSeconds, ttft) && ++_highTtft >= _highNeeded)
            CertainMiss = $"{_highTtft:N0} TTFTs over {ttft * 1000:G4} ms: the p{_slo.Percentile * 100:G4} is over it";
        else if (_slo.TpotSeconds is { } tpot && r.Generated > 1 && High(r.TpotSeconds, tpot) && ++_highTpot >= _highNeeded)
            CertainMiss = $"{_highTpot:N0} TPOTs over {tpot * 1000:G4} ms: the p{_slo.Percentile * 100:G4} is over it";
    }

    private static bool High(double value, double limit) => value > limit && LogHistogram.BucketMiddle(LogHistogram.BucketOf(value)) > limit;
}
