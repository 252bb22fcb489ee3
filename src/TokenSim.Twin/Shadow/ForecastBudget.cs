using System.Diagnostics;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The wall time scored forecasts may take, shared by every replica of a silo: a token bucket that fills at
/// <see cref="CoreShare"/> seconds per second (a share of one core) up to <see cref="BurstSeconds"/>. A forecast
/// starts only while the bucket holds time and its duration is taken out after, so over any stretch scoring uses at
/// most about that share of a core plus the burst. An idle server (a replay at 20x) fills the bucket between
/// forecasts and skips none; one saturated by ingest skips what it cannot afford instead of slowing ingest.
/// </summary>
/// <remarks>Thread-safe: replica grains run on several threads.</remarks>
public sealed class ForecastBudget
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private double _tokens, _last;

    public ForecastBudget(double coreShare, double burstSeconds = 2)
    {
        if (!(coreShare >= 0) || double.IsInfinity(coreShare)) throw new ArgumentOutOfRangeException(nameof(coreShare), $"The forecast budget must be a share of a core, 0 or more (got {coreShare}).");
        if (!(burstSeconds >= 0)) throw new ArgumentOutOfRangeException(nameof(burstSeconds), "The burst must not be negative.");
        CoreShare = coreShare;
        BurstSeconds = burstSeconds;
        _tokens = burstSeconds;
    }

    public double CoreShare { get; }
    public double BurstSeconds { get; }

    /// <summary>Whether a forecast may start now.</summary>
    public bool TryStart()
    {
        lock (_lock)
        {
            double now = _clock.Elapsed.TotalSeconds;
            _tokens = Math.Min(BurstSeconds, _tokens + CoreShare * (now - _last));
            _last = now;
            return _tokens > 0;
        }
    }

    /// <summary>Takes a finished forecast's wall time out of the bucket.</summary>
    public void Spend(double seconds)
    {
        lock (_lock) _tokens -= seconds;
    }
}
