using System.Globalization;
using TokenSim.Core.Metrics;
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
    private readonly long _started;
    /// <summary>The wall-clock moment the engine's clock started: simulated time t falls at StartedAt + WallAt(t).</summary>
    public DateTimeOffset StartedAt { get; }
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _loop;
    private readonly Dictionary<long, (Request Request, RequestStream Stream)> _live = [];
    private readonly LogHistogram _jitter = new();
    private readonly object _jitterLock = new();
    private volatile bool _stop;

    public RealTimeEngine(Simulator sim, double speed, VllmMetrics metrics, params ISimulationObserver[] observers)
        : this(sim, speed, metrics, TimeProvider.System, observers) { }

    /// <param name="time">The wall clock the engine paces itself by, and everything it stamps reads.</param>
    public RealTimeEngine(Simulator sim, double speed, VllmMetrics metrics, TimeProvider time, params ISimulationObserver[] observers)
    {
        Time = time;
        _started = time.GetTimestamp();
        StartedAt = time.GetUtcNow();
        if (!(speed > 0)) throw new ArgumentException($"--speed must be positive (got {speed.ToString(CultureInfo.InvariantCulture)}).");
        _sim = sim;
        Speed = speed;
        Metrics = metrics;
        _sim.Observer = observers.Length == 0 ? this : new CompositeObserver([this, .. observers]);
        foreach (var o in observers.OfType<IRealTimeObserver>()) o.Attach(this);
        _loop = new Thread(Loop) { IsBackground = true, Name = "tokensim-engine", Priority = ThreadPriority.AboveNormal };
        _loop.Start();
    }

    public double Speed { get; }
    public TimeProvider Time { get; }
    public VllmMetrics Metrics { get; }
    public Core.Entities.ReplicaSpec Spec => _sim.Options.Replica;

    /// <summary>Simulated seconds since the engine started.</summary>
    public double SimNow => WallNow * Speed;

    /// <summary>Wall-clock seconds since the engine started at which simulated time <paramref name="simTime"/> falls due.</summary>
    public double WallAt(double simTime) => simTime / Speed;

    public double WallNow => Time.GetElapsedTime(_started).TotalSeconds;

    /// <summary>
    /// Enters a request into the simulation now. <paramref name="tokenIds"/> (the prompt's) let prefix caching find
    /// shared blocks; it generates <paramref name="outputTokens"/> (at most <paramref name="maxTokens"/>) and stops.
    /// </summary>
    /// <param name="request">The client's request id and sampling parameters, for observers that report them (spans).</param>
    public RequestStream Submit(int[] tokenIds, int maxTokens, int outputTokens, RequestParams? request = null)
    {
        RequestStream stream;
        lock (_lock)
        {
            double now = Math.Max(SimNow, _sim.Now);
            _sim.AdvanceTo(now);
            var r = _sim.Submit(new RequestSpec(now, tokenIds.Length, Math.Min(outputTokens, maxTokens), TokenIds: tokenIds));
            stream = new RequestStream(r.Id, tokenIds.Length, maxTokens) { Params = request, ArrivalTime = now };
            _live[r.Id] = (r, stream);
        }
        _signal.Set();
        return stream;
    }

    /// <summary>The client went away: the request leaves the engine and frees its KV blocks (vLLM aborts it).</summary>
    public void Abort(RequestStream stream)
    {
        lock (_lock)
        {
            if (!_live.Remove(stream.Id, out var entry)) return;
            _sim.AdvanceTo(Math.Max(SimNow, _sim.Now));
            if (_sim.Abort(entry.Request)) Metrics.Aborted();
        }
        _signal.Set();
    }

    /// <summary>Reads or changes the simulation under the engine's lock (KV events, the prefix-cache reset).</summary>
    public T Read<T>(Func<Simulator, T> read)
    {
        lock (_lock) return read(_sim);
    }

    /// <summary>The engine's state as /metrics reports it, read under the engine's lock.</summary>
    public EngineSnapshot Snapshot(IReadOnlyDictionary<string, string> cacheConfig)
    {
        lock (_lock)
        {
            var r = _sim.Replicas[0];
            return new EngineSnapshot(Math.Max(SimNow, _sim.Now), r.Running.Count, r.Waiting.Count + r.Swapped.Count, r.Kv.Usage,
                r.Kv.PrefixQueryTokens, r.Kv.PrefixHitTokens, cacheConfig);
        }
    }

    /// <summary>Writes /metrics under the engine's lock, so counters and gauges are from one instant.</summary>
    public void WriteMetrics(System.Text.StringBuilder sb, IReadOnlyDictionary<string, string> cacheConfig)
    {
        lock (_lock) Metrics.Write(sb, Snapshot(cacheConfig)); // the lock is re-entrant: one instant for both
    }

    /// <summary>Records how far a token's chunk left from its schedule: |flush moment − the moment the simulation gave it|.</summary>
    public void RecordRelease(double simTime)
    {
        double off = Math.Abs(WallNow - WallAt(simTime));
        lock (_jitterLock) _jitter.Add(off);
    }

    /// <summary>Release jitter so far, in seconds: count, p50, p99, max.</summary>
    public (long Count, double P50, double P99, double Max) Jitter()
    {
        lock (_jitterLock) return (_jitter.Count, _jitter.Quantile(0.5), _jitter.Quantile(0.99), _jitter.Max);
    }

    /// <summary>The stream of an unfinished request; only from observer callbacks, which run under the engine's lock.</summary>
    internal RequestStream? StreamOf(long id) => _live.TryGetValue(id, out var e) ? e.Stream : null;

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
            lock (_lock) _sim.AdvanceTo(Math.Max(next.Value, _sim.Now));
        }
    }

    void ISimulationObserver.OnToken(Request r, double now)
    {
        if (!_live.TryGetValue(r.Id, out var e)) return;
        Metrics.Token(r, now, e.Stream.LastTokenTime);
        e.Stream.LastTokenTime = now;
        // The last token carries the finish reason, so its chunk says so (OnFinished follows in the same event).
        e.Stream.Token(now, r.Generated >= r.OutputTokens ? FinishReason(r, e.Stream) : null);
    }

    private static string FinishReason(Request r, RequestStream s) => r.Generated >= s.MaxTokens ? "length" : "stop";

    void ISimulationObserver.OnPreempted(Request r, double now) => Metrics.Preempted();

    void ISimulationObserver.OnFinished(Request r, double now)
    {
        if (!_live.Remove(r.Id, out var e)) return;
        Metrics.Finished(r, e.Stream.MaxTokens, FinishReason(r, e.Stream));
    }

    void ISimulationObserver.OnRejected(Request r, double now, string reason)
    {
        if (_live.Remove(r.Id, out var e)) e.Stream.Fail(reason);
    }

    public void Dispose()
    {
        _stop = true;
        _signal.Set();
        _loop.Join(1000);
        _signal.Dispose();
    }
}
