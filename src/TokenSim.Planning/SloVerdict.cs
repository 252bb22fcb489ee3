using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;

namespace TokenSim.Planning;

/// <summary>
/// Watches requests arrive and finish and says when a candidate's SLO verdict can no longer be "meets", whatever the
/// rest of the run does, so that its simulation can stop there (<see cref="MissCertainAt"/>). It also counts the
/// requests meeting every limit (the attainment), as <see cref="SloCounter"/> does. The verdict is that of
/// <see cref="CandidateEvaluator"/> on the whole run:
/// <list type="bullet">
/// <item>a rejected request: the candidate misses;</item>
/// <item>goodput form: once so many requests are certain to miss a limit that even every other one meeting both
/// cannot lift the attainment to the target;</item>
/// <item>percentile form: once more requests are certain to be "high" than the quantile's rank leaves above it. The
/// quantile is <see cref="LogHistogram.Quantile"/>'s nearest rank, reported as its bucket's middle clamped to the
/// exact minimum and maximum, so a value counts as high only when it is over the limit and so is its bucket's middle:
/// then the rank's value is high, its bucket's middle is over the limit and the maximum is at least that value, so
/// the quantile the whole run reports is over the limit too. The rank is taken at every final count the histogram
/// could reach (at most one value per request), so the count of requests not yet finished cannot make it wrong.</item>
/// </list>
/// A request's TTFT is certain before it finishes, and even before its first token: the TTFT is the first token's
/// time less the arrival, the first token of a request not yet scheduled comes after the clock (it needs a step
/// launched later), and a difference of doubles never falls as its first term grows. So at clock <c>now</c> a request
/// with <c>now − arrival</c> at or past the smallest high value (<see cref="SmallestHigh"/>; for the goodput form, the
/// smallest value over the TTFT limit) still waiting to be scheduled will be high; a scheduled one without a first
/// token may have it in a decode run not yet applied, so it is classified once that run books it; one that has its first token is high or not for good. Each request is classified once, when
/// <c>now − arrival</c> reaches that value, in arrival order (a request that then never finishes leaves the whole run
/// short of requests, a miss as well). TPOTs are counted when requests finish.
/// </summary>
public sealed class SloVerdict : ISimulationObserver
{
    private readonly Slo _slo;
    private readonly int _requests;
    private readonly long _highNeeded;
    // Arrivals in order, and how many of them have reached the TTFT threshold (and been classified).
    private readonly List<Request> _arrived = [];
    private readonly double _ttftThreshold;
    private int _passed;
    private long _highTtft, _highTpot, _waitingWhenPassed;
    // Goodput form: requests certain to miss the TTFT limit (classified at the threshold), and finished ones that met
    // it but missed the TPOT limit; the two sets are disjoint.
    private long _tpotOnlyMissed;

    public SloVerdict(Slo slo, int requests)
    {
        _slo = slo;
        _requests = requests;
        _highNeeded = HighNeeded(slo.Percentile, requests);
        _ttftThreshold = slo.TtftSeconds is not { } t ? double.PositiveInfinity
            : slo.Attainment is null ? SmallestHigh(t) : Math.BitIncrement(t);
    }

    public long Good { get; private set; }
    public long Finished { get; private set; }

    /// <summary>Why the candidate misses whatever happens next; null while it still may meet the SLOs.</summary>
    public string? CertainMiss { get; private set; }

    /// <summary>It reads arrivals, finished requests and rejections only, so decode steps may go by in runs.</summary>
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

    /// <summary>
    /// The smallest double that is high against <paramref name="limit"/> (over it, in a bucket whose middle is over
    /// it). Both conditions only become true as a value grows (buckets follow the bit pattern of positive doubles), so
    /// every value from it up is high and every one under it is not: a bisection over the bit patterns.
    /// </summary>
    public static double SmallestHigh(double limit)
    {
        long lo = BitConverter.DoubleToInt64Bits(limit), hi = lo;
        // Each bucket is under 0.3% wide: doubling stays within a few buckets of the answer.
        while (!High(BitConverter.Int64BitsToDouble(hi), limit))
        {
            // Past the histogram's last bucket (2^40 s) nothing is high.
            if (double.IsInfinity(BitConverter.Int64BitsToDouble(hi))) return double.PositiveInfinity;
            hi = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(hi) * 2);
        }
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            if (High(BitConverter.Int64BitsToDouble(mid), limit)) hi = mid;
            else lo = mid;
        }
        return BitConverter.Int64BitsToDouble(hi);
    }

    public void OnArrived(Request r, double now) => _arrived.Add(r);

    public void OnRejected(Request r, double now, string reason) => CertainMiss ??= "a request was rejected";

    public void OnFinished(Request r, double now)
    {
        Finished++;
        bool ttftMet = _slo.TtftSeconds is not { } t || r.TtftSeconds <= t;
        bool tpotMet = _slo.TpotSeconds is not { } p || r.TpotSeconds <= p;
        if (ttftMet && tpotMet) Good++;
        if (CertainMiss is not null) return;
        if (_slo.Attainment is not null)
        {
            if (ttftMet && !tpotMet)
            {
                _tpotOnlyMissed++;
                CheckAttainment();
            }
            return;
        }
        if (_slo.TpotSeconds is { } tpot && r.Generated > 1 && High(r.TpotSeconds, tpot) && ++_highTpot >= _highNeeded)
            CertainMiss = $"{_highTpot:N0} TPOTs over {tpot * 1000:G4} ms: the p{_slo.Percentile * 100:G4} is over it";
    }

    /// <summary>
    /// Classifies the requests whose TTFT became certain by <paramref name="now"/> (the simulator's clock after an
    /// event) and answers whether the candidate is now certain to miss (<see cref="CertainMiss"/> says why).
    /// </summary>
    public bool MissCertainAt(double now)
    {
        if (CertainMiss is not null) return true;
        if (_slo.TtftSeconds is not { } t) return false;
        var arrived = _arrived;
        int passed = _passed;
        long highBefore = _highTtft;
        while (passed < arrived.Count && now - arrived[passed].ArrivalTime >= _ttftThreshold)
        {
            var r = arrived[passed];
            if (double.IsNaN(r.FirstTokenTime))
            {
                // A scheduled request may already have its first token in a decode run not yet applied (the run books
                // a prompt's last chunk's first token when it is cut or ends): wait until it is booked. Only one never
                // scheduled is sure to get its first token after the clock.
                if (r.Status is not (RequestStatus.Waiting or RequestStatus.Pending)) break;
                _highTtft++;
                _waitingWhenPassed++;
            }
            else if (r.TtftSeconds >= _ttftThreshold) _highTtft++;
            passed++;
        }
        _passed = passed;
        if (_highTtft == highBefore) return false;
        if (_slo.Attainment is not null) CheckAttainment();
        else if (_highTtft >= _highNeeded)
            CertainMiss = $"{_highTtft:N0} TTFTs over {t * 1000:G4} ms ({_waitingWhenPassed:N0} of them had waited that long without a first token): the p{_slo.Percentile * 100:G4} is over it";
        return CertainMiss is not null;
    }

    /// <summary>Goodput form: even if every request not yet certain to miss meets both limits, the fraction stays under the target.</summary>
    private void CheckAttainment()
    {
        long missed = _highTtft + _tpotOnlyMissed;
        if ((double)(_requests - missed) / _requests < _slo.Attainment!.Value)
            CertainMiss = $"{missed:N0} requests missed a limit ({_waitingWhenPassed:N0} of them had waited past the TTFT limit without a first token): the attainment cannot reach {_slo.Attainment.Value:P1}";
    }

    private static bool High(double value, double limit) => value > limit && LogHistogram.BucketMiddle(LogHistogram.BucketOf(value)) > limit;
}
