using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// Open-loop arrivals whose rate follows measured days (<see cref="ServeGenRates"/>): each client is a renewal
/// process with its window's CV, run in its own operational time (the integral of its scaled rate), so a window's
/// rate and burstiness hold in it and a quiet window passes with no arrivals. The clients are merged in time order.
/// Starts at <paramref name="firstWindow"/> (time 0 of the simulation) and stops after <paramref name="windows"/>.
/// </summary>
public sealed class DiurnalWorkloadSource(ServeGenRates rates, int firstWindow, int windows, double scale, double? cv, LengthSampler lengths) : IWorkloadSource
{
    private double[] _next = [];
    private readonly double _end = windows * ServeGenRates.WindowSeconds;

    public long? Count => null;

    public bool OpenLoop => true;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (_next.Length == 0)
        {
            _next = new double[ServeGenRates.Clients];
            for (int c = 0; c < _next.Length; c++) _next[c] = Advance(c, 0, random);
        }
        int first = 0;
        for (int c = 1; c < _next.Length; c++) if (_next[c] < _next[first]) first = c;
        double at = _next[first];
        if (at >= _end) { request = default; return false; }
        _next[first] = Advance(first, at, random);
        var (p, o) = lengths.Sample(random);
        request = new RequestSpec(at, p, o);
        return true;
    }

    /// <summary>The client's next arrival after <paramref name="from"/>: one unit-mean gap of operational time, spent at the windows' rates.</summary>
    private double Advance(int client, double from, SimRandom random)
    {
        var (rate, cvs) = rates.Client[client];
        int w = (int)(from / ServeGenRates.WindowSeconds);
        double t = from;
        // Quiet windows (rate 0, no CV) pass with no arrivals; the gap is drawn with the next busy window's CV.
        while (w < windows && rate[firstWindow + w] == 0) t = ++w * ServeGenRates.WindowSeconds;
        if (w >= windows) return double.PositiveInfinity;
        double c = cv ?? cvs[firstWindow + w];
        double gap = random.NextGamma(1 / (c * c), c * c);
        for (; w < windows; w++)
        {
            double r = scale * rate[firstWindow + w], windowEnd = (w + 1) * ServeGenRates.WindowSeconds;
            double capacity = r * (windowEnd - t);
            if (r > 0 && gap <= capacity) return t + gap / r;
            gap -= capacity;
            t = windowEnd;
        }
        return double.PositiveInfinity;
    }

    public IWorkloadSource Clone() => new DiurnalWorkloadSource(rates, firstWindow, windows, scale, cv, lengths) { _next = (double[])_next.Clone() };
}
