using TokenSim.Core.Randomness;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A workload under a scenario's <c>rate</c> and <c>lengths</c> events. Rate changes warp time: the inner source's
/// arrivals are read on its own clock τ, which runs <c>multiplier</c> times as fast as the simulation's between the
/// events (τ(t) = t₀ + ∫ m), so a trace keeps its own burstiness and lengths at twice the rate, and a generated
/// process its own distribution. Lengths events scale the prompt and output of the requests arriving under them.
/// </summary>
internal sealed class ScenarioWorkloadSource : IWorkloadSource
{
    private readonly IWorkloadSource _inner;
    /// <summary>Breakpoints in simulated time, the inner clock at each, and the rate multiplier from each to the next.</summary>
    private readonly double[] _t, _tau, _m;
    private readonly ScenarioEvent[] _lengths;

    public ScenarioWorkloadSource(IWorkloadSource inner, IReadOnlyList<ScenarioEvent> events, double offset)
    {
        _inner = inner;
        var rates = events.Where(e => e.Kind == ScenarioEventKind.Rate).ToArray();
        _lengths = events.Where(e => e.Kind == ScenarioEventKind.Lengths).Select(e => e with { At = e.At + offset, Until = e.Until + offset }).ToArray();
        var points = rates.SelectMany(e => new[] { e.At + offset, e.Until + offset }).Where(double.IsFinite).Append(offset).Distinct().Order().ToArray();
        _t = points;
        _m = new double[points.Length];
        _tau = new double[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            double m = 1;
            foreach (var e in rates)
                if (e.At + offset <= points[i] && points[i] < e.Until + offset) m *= e.Factor;
            _m[i] = m;
            _tau[i] = i == 0 ? offset : _tau[i - 1] + _m[i - 1] * (points[i] - points[i - 1]);
        }
    }

    private ScenarioWorkloadSource(ScenarioWorkloadSource s)
    {
        _inner = s._inner.Clone();
        (_t, _tau, _m, _lengths) = (s._t, s._tau, s._m, s._lengths);
    }

    /// <summary>Whether the inner source is open-loop, so decode runs may skip past arrivals as they do without a scenario.</summary>
    public bool OpenLoop => _inner.OpenLoop;

    public long? Count => _inner.Count;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (!_inner.TryNext(InnerTime(now), random, out var s))
        {
            request = default;
            return false;
        }
        double t = SimTime(s.ArrivalTime);
        double p = 1, o = 1;
        foreach (var e in _lengths)
        {
            if (e.At > t || t >= e.Until) continue;
            p *= e.PromptScale;
            o *= e.OutputScale;
        }
        request = s with { ArrivalTime = t };
        if (p != 1)
            // Token ids and prefix blocks describe the original prompt; a scaled one has neither.
            request = request with { PromptTokens = Math.Max(1, (int)Math.Round(s.PromptTokens * p)), TokenIds = null, PrefixHashes = null };
        if (o != 1) request = request with { OutputTokens = Math.Max(1, (int)Math.Round(s.OutputTokens * o)) };
        return true;
    }

    public void OnFinished(double now) => _inner.OnFinished(InnerTime(now));

    public IWorkloadSource Clone() => new ScenarioWorkloadSource(this);

    private double InnerTime(double t)
    {
        if (t <= _t[0]) return t - _t[0] + _tau[0];
        int i = Array.BinarySearch(_t, t);
        if (i < 0) i = ~i - 1;
        return _tau[i] + _m[i] * (t - _t[i]);
    }

    private double SimTime(double tau)
    {
        if (tau <= _tau[0]) return tau - _tau[0] + _t[0];
        int i = Array.BinarySearch(_tau, tau);
        if (i < 0) i = ~i - 1;
        return _t[i] + (tau - _tau[i]) / _m[i];
    }
}
