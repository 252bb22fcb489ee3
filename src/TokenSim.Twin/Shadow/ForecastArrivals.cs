using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// A forecast seed's arrivals: a renewal process whose gaps are gamma with the learned coefficient of variation, run
/// in operational time so the rate can follow its trend; prompt, max_tokens and prefix hit from a recent request. The
/// hit is given as a real cache's would be (<see cref="RequestSpec.ExternalCachedTokens"/>), so the copy hits exactly
/// that much and no more, although the copied request's own blocks may still be cached. With the copied request's
/// token ids or block hashes the hit lands on the blocks the cache holds for that prefix, shared as in production (a
/// system prompt is held once, whatever the number of requests using it); without them, on blocks of its own.
/// </summary>
/// <remarks>
/// Drawn in order from the seed's stream, which nothing else draws from once the fork is taken, and submitted up to
/// the time the fork is next advanced to (<see cref="SubmitThrough"/>): the same requests, ids and times as when every
/// arrival of the horizon went in first, but the fork holds one step's arrivals at a time. All at once, a 60 s seed
/// of a replica at 225 requests/s held 13,500 requests and an event queue grown to 16,384 entries of 40 bytes (on the
/// large object heap) for its whole run, long enough for the collector to promote them (docs/operations.md, the soak).
/// </remarks>
internal sealed class ForecastArrivals
{
    private readonly Simulator _sim;
    private readonly double _clock, _end, _shape, _multiplier;
    private readonly TrafficEstimate _traffic;
    private readonly int _maxModelLen;
    private readonly Func<int, SimRandom, int> _outputOf;
    private readonly SimRandom _random;
    private readonly IReadOnlyList<Request?>? _sources;
    private readonly ForecastScenario? _scenario;
    /// <summary>Operational time of the last arrival drawn (0 before the first).</summary>
    private double _x;
    /// <summary>The arrival drawn and not yet submitted (beyond the last time asked for), or null.</summary>
    private RequestSpec? _next;
    private bool _done;

    public ForecastArrivals(Simulator sim, double clock, ForecastSpec spec, TrafficEstimate traffic, int maxModelLen,
        Func<int, SimRandom, int> outputOf, SimRandom random, IReadOnlyList<Request?>? sources, ForecastScenario? scenario, int stratum = 0, int strata = 1)
    {
        (_sim, _clock, _maxModelLen, _outputOf, _random, _sources, _scenario) = (sim, clock, maxModelLen, outputOf, random, sources, scenario);
        _multiplier = spec.TrafficMultiplier;
        _done = traffic.PromptTokens.Length == 0 || spec.TrafficMultiplier <= 0;
        _traffic = traffic;
        if (_done) return;
        // Each seed's rate and trend are a draw from what the window's counts allow (TrafficEstimate.Draw).
        _traffic = traffic.Draw(random);
        // How long the traffic lasts is drawn per seed too, so some seeds see a burst end (TrafficEstimate.DrawLifetime).
        _end = Math.Min(spec.HorizonSeconds, _traffic.DrawLifetime(random, stratum, strata));
        _shape = 1 / (_traffic.InterArrivalCv * _traffic.InterArrivalCv);
    }

    /// <summary>Arrivals submitted so far.</summary>
    public int Submitted { get; private set; }

    /// <summary>The last submitted arrival's time (simulation clock); NaN before the first.</summary>
    public double LastSubmittedSeconds { get; private set; } = double.NaN;

    /// <summary>Submits every arrival at or before <paramref name="time"/> (simulation clock) not submitted yet.</summary>
    public void SubmitThrough(double time)
    {
        while (true)
        {
            if (_next is null)
            {
                if (_done || Draw() is not { } drawn) { _done = true; return; }
                _next = drawn;
            }
            if (_next.Value.ArrivalTime > time) return;
            _sim.Submit(_next.Value);
            LastSubmittedSeconds = _next.Value.ArrivalTime;
            Submitted++;
            _next = null;
        }
    }

    /// <summary>The next arrival, or null when the process has ended (the rate reached 0, or the drawn lifetime passed).</summary>
    private RequestSpec? Draw()
    {
        var traffic = _traffic;
        var random = _random;
        // The process is stationary: the first gap is drawn like any other, from the forecast's start.
        double rate = traffic.RateAt(_x) * _multiplier * (_scenario?.RateAt(_x) ?? 1);
        if (!(rate > 0)) return null;
        _x += random.NextGamma(_shape, 1 / _shape) / rate;
        double x = _x;
        if (x > _end) return null;
        int i = random.NextInt(0, traffic.PromptTokens.Length - 1);
        int prompt = Math.Min(traffic.PromptTokens[i], _maxModelLen - 1);
        int cap = Math.Max(1, Math.Min(traffic.MaxTokens[i], _maxModelLen - prompt));
        int cached = i < traffic.CachedPromptTokens.Length ? Math.Min(traffic.CachedPromptTokens[i], prompt - 1) : 0;
        int output = _outputOf(cap, random);
        if (_scenario?.LengthsAt(x) is { } scale && scale != (1, 1))
        {
            prompt = Math.Clamp((int)Math.Round(prompt * scale.Prompt), 1, _maxModelLen - 1);
            output = Math.Clamp((int)Math.Round(output * scale.Output), 1, _maxModelLen - prompt);
            cached = Math.Min(cached, prompt - 1);
        }
        var source = _sources is not null && i < _sources.Count ? _sources[i] : null;
        return cached <= 0 ? new RequestSpec(_clock + x, prompt, output)
            : source is { TokenIds: not null } or { PrefixHashes: not null }
                ? new RequestSpec(_clock + x, prompt, output, PrefixHashes: source.PrefixHashes, TokenIds: source.TokenIds, ExternalCachedTokens: cached)
                : new RequestSpec(_clock + x, prompt, output, PrefixHashes: [random.NextInt(int.MinValue, int.MaxValue)], ExternalCachedTokens: cached);
    }
}
