using System.Diagnostics;
using TokenSim.Core.Simulation;

namespace TokenSim.Emulator;

/// <summary>
/// A simulated engine paced by the wall clock. A dedicated thread processes each simulator event when its time
/// comes: simulated seconds ÷ <c>speed</c> after the engine started. It sleeps until about a millisecond before
/// each event and spins for the rest, so tokens leave at the times the simulation gives them. A request submitted
/// now enters the simulation at the current simulated time, and its tokens are pushed to its
/// <see cref="RequestStream"/> as the steps that produce them end.
/// </summary>
public sealed class RealTimeEngine : ISimulationObserver, IDisposable
{
    private readonly Simulator _sim;
    private readonly object _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    /// <summary>The wall-clock moment the engine's clock started: simulated time t falls at StartedAt + WallAt(t).</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _loop;
    private readonly Dictionary<long, RequestStream> _streams = [];
    private volatile bool _stop;

    public RealTimeEngine(Simulator sim, double speed, VllmMetrics metrics, params ISimulationObserver[] observers)
    {
        if (speed <= 0) throw new ArgumentException($"--speed must be positive (got {speed}).");
        _sim = sim;
        Speed = speed;
        Metrics = metrics;
        _sim.Observer = new CompositeObserver([this, metrics, .. observers]);
        foreach (var o in observers.OfType<IRealTimeObserver>()) o.Attach(this);
        _loop = new Thread(Loop) { IsBackground = true, Name = "tokensim-engine", Priority = ThreadPriority.AboveNormal };
        _loop.Start();
    }

    public double Speed { get; }
    public VllmMetrics Metrics { get; }
    public Core.Entities.ReplicaSpec Spec => _sim.Options.Replica;

    /// <summary>Simulated seconds since the engine started.</summary>
    public double SimNow => _clock.Elapsed.TotalSeconds * Speed;

    /// <summary>Wall-clock seconds since the engine started at which simulated time <paramref name="simTime"/> falls due.</summary>
    public double WallAt(double simTime) => simTime / Speed;

    public double WallNow => _clock.Elapsed.TotalSeconds;

    /// <summary>Enters a request into the simulation now; <paramref name="tokenIds"/> (the prompt's) let prefix caching find shared blocks.</summary>
    /// <param name="request">The client's request id and sampling parameters, for observers that report them (spans).</param>
    public RequestStream Submit(int[] tokenIds, int maxTokens, RequestParams? request = null)
    {
        RequestStream stream;
        lock (_lock)
        {
            double now = SimNow;
            _sim.AdvanceTo(now);
            var r = _sim.Submit(new RequestSpec(now, tokenIds.Length, maxTokens, TokenIds: tokenIds));
            stream = new RequestStream(r.Id, tokenIds.Length, maxTokens) { Params = request };
            _streams[r.Id] = stream;
        }
        _signal.Set();
        return stream;
    }

    /// <summary>Reads the engine's state under its lock (for /metrics).</summary>
    public T Read<T>(Func<Simulator, T> read)
    {
        lock (_lock) return read(_sim);
    }

    /// <summary>The stream of an unfinished request; only from observer callbacks, which run under the engine's lock.</summary>
    internal RequestStream? StreamOf(long id) => _streams.GetValueOrDefault(id);

    private void Loop()
    {
        while (!_stop)
        {
            double? next;
            lock (_lock) next = _sim.NextEventTime;
            if (next is null)
            {
                _signal.WaitOne(100);
                continue;
            }
            double wait = WallAt(next.Value) - WallNow;
            if (wait > 0.0015)
            {
                // Sleep until just before the event; a new submission wakes the loop early.
                _signal.WaitOne(TimeSpan.FromSeconds(wait - 0.001));
                continue;
            }
            while (WallAt(next.Value) > WallNow) Thread.SpinWait(20);
            lock (_lock) _sim.AdvanceTo(Math.Max(next.Value, SimNow));
        }
    }

    public void OnToken(Request r, double now)
    {
        if (_streams.TryGetValue(r.Id, out var s)) s.Token(now);
    }

    public void OnFinished(Request r, double now)
    {
        if (_streams.Remove(r.Id, out var s)) s.Finish();
    }

    public void OnRejected(Request r, double now, string reason)
    {
        if (_streams.Remove(r.Id, out var s)) s.Fail(reason);
    }

    public void Dispose()
    {
        _stop = true;
        _signal.Set();
        _loop.Join(1000);
        _signal.Dispose();
    }
}
