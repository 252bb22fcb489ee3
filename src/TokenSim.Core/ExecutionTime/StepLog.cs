using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// The recent steps of one replica of a simulation, with their uncorrected model time, so the simulated steps within
/// any stretch of production (<see cref="Window"/>) can be compared with what production revealed of it. Attach it as
/// the simulation's observer; it keeps the last <c>capacity</c> steps.
/// </summary>
/// <param name="correction">The correction the simulation's steps ran under (its model time is recovered from it).</param>
public sealed class StepLog(Func<StepCorrection> correction, int replica = 0, int capacity = 1 << 16) : ISimulationObserver
{
    private readonly double[] _end = new double[capacity];
    private readonly double[] _model = new double[capacity];
    private readonly bool[] _prefill = new bool[capacity];
    private long _count;

    /// <summary>Steps logged so far (older ones beyond the capacity are forgotten).</summary>
    public long Count => _count;

    public void OnStep(int index, in BatchShape shape, double start, double seconds)
    {
        if (index != replica) return;
        int i = (int)(_count % _end.Length);
        var c = correction();
        bool prefill = shape.PrefillTokens > 0;
        _end[i] = start + seconds;
        _model[i] = Math.Max(0, (seconds - (prefill ? c.PrefillStepSeconds : 0)) / c.KernelScale);
        _prefill[i] = prefill;
        _count++;
    }

    /// <summary>
    /// The simulated steps that ended in (<paramref name="from"/>, <paramref name="to"/>]: how many, how many carried
    /// prefill, and the mean model time of the decode-only and of the prefill steps (0 where there were none); null
    /// when none ended there or the stretch is older than the log.
    /// </summary>
    public (int Steps, int PrefillSteps, double DecodeModelSeconds, double PrefillModelSeconds)? Window(double from, double to)
    {
        long oldest = Math.Max(0, _count - _end.Length);
        if (_count == 0 || to <= from || _end[(int)(oldest % _end.Length)] > from) return null;
        // Ends are non-decreasing: binary search for the first step ending after `from`.
        long lo = oldest, hi = _count;
        while (lo < hi)
        {
            long mid = (lo + hi) / 2;
            if (_end[(int)(mid % _end.Length)] > from) hi = mid; else lo = mid + 1;
        }
        int steps = 0, prefill = 0;
        double decodeModel = 0, prefillModel = 0;
        for (long k = lo; k < _count; k++)
        {
            int i = (int)(k % _end.Length);
            if (_end[i] > to) break;
            steps++;
            if (_prefill[i]) { prefill++; prefillModel += _model[i]; } else decodeModel += _model[i];
        }
        if (steps == 0) return null;
        return (steps, prefill, steps > prefill ? decodeModel / (steps - prefill) : 0, prefill > 0 ? prefillModel / prefill : 0);
    }

    /// <summary>
    /// The observation of <paramref name="steps"/> engine steps that took <paramref name="observedSeconds"/> each on
    /// average, against the simulated steps that ended in (<paramref name="from"/>, <paramref name="to"/>]; null when
    /// none did. The prefill share is the simulation's prefill steps over <paramref name="steps"/>, not over its own
    /// step count: how many steps carried prefill follows the admissions, which the simulation shares with production,
    /// while how many steps fit in the stretch follows the step time, which is what is being corrected.
    /// </summary>
    public StepWindow? Observe(double from, double to, int steps, double observedSeconds)
    {
        if (steps < 1 || !(observedSeconds > 0) || Window(from, to) is not { } w) return null;
        double share = Math.Min(1, (double)w.PrefillSteps / steps);
        double decode = w.Steps > w.PrefillSteps ? w.DecodeModelSeconds : w.PrefillModelSeconds;
        double prefill = w.PrefillSteps > 0 ? w.PrefillModelSeconds : decode;
        return new StepWindow(decode + share * (prefill - decode), share, observedSeconds, steps);
    }
}
