namespace TokenSim.Twin.Shadow;

/// <summary>
/// The CPU time scored forecasts may take, shared by every replica of a silo: a token bucket that fills at
/// <see cref="CoreShare"/> seconds per wall second (a share of one core) up to <see cref="BurstSeconds"/>. A forecast
/// starts only while the bucket holds time and the CPU time it took (<see cref="ThreadCpuClock"/>) is taken out
/// after, so over any stretch scoring uses at most about that share of a core plus the burst. A server saturated by
/// ingest skips what it cannot afford instead of slowing ingest. So does a replay at 20x with forecasts off the
/// replica's turn: the measured run's 67 scored forecasts take about as much CPU either way (11.8 s of server CPU in
/// all, on or off the turn, unbudgeted), but off the turn they no longer hold up the acknowledgements, the replay ends
/// sooner in wall time, and the bucket, which fills by wall time, affords about half of them. CPU rather than wall time, so a machine busy with other processes does not make
/// forecasts look dearer than they are.
/// </summary>
/// <remarks>Thread-safe: replica grains run on several threads.</remarks>
public sealed class ForecastBudget
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _lock = new();
    private double _tokens, _last;

    /// <param name="time">The wall clock the bucket fills by; the system's unless a test steps it.</param>
    public ForecastBudget(double coreShare, double burstSeconds = 2, TimeProvider? time = null)
    {
        if (!(coreShare >= 0) || double.IsInfinity(coreShare)) throw new ArgumentOutOfRangeException(nameof(coreShare), $"The forecast budget must be a share of a core, 0 or more (got {coreShare}).");
        if (!(burstSeconds >= 0)) throw new ArgumentOutOfRangeException(nameof(burstSeconds), "The burst must not be negative.");
        CoreShare = coreShare;
        BurstSeconds = burstSeconds;
        _tokens = burstSeconds;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    public double CoreShare { get; }
    public double BurstSeconds { get; }

    /// <summary>Whether a forecast may start now.</summary>
    public bool TryStart()
    {
        lock (_lock)
        {
            double now = _time.GetElapsedTime(_started).TotalSeconds;
            _tokens = Math.Min(BurstSeconds, _tokens + CoreShare * (now - _last));
            _last = now;
            return _tokens > 0;
        }
    }

    /// <summary>Takes a finished forecast's CPU time out of the bucket.</summary>
    public void Spend(double seconds)
    {
        lock (_lock) _tokens -= seconds;
    }
}
