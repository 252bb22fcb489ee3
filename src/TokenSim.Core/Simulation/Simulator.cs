using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Metrics;
using TokenSim.Core.Randomness;
using TokenSim.Core.Scheduling.Global;
using TokenSim.Core.Scheduling.Replica;
using TokenSim.Core.Simulation.Stepping;
using TokenSim.Core.Workload;

namespace TokenSim.Core.Simulation;

/// <summary>
/// The token-level discrete-event simulator of a serving deployment: a router in front of replicas, each a
/// scheduler, a paged KV cache and an execution-time model. Drivers submit requests at any simulated time (or
/// attach a workload), advance the clock, read the state, and clone the whole simulation into an independent
/// copy that continues on its own.
/// </summary>
/// <remarks>
/// Events are ordered by (time, kind, sequence); with the same options, seed and inputs a run is bit-identical,
/// and so is a clone continued with the same inputs. Not thread-safe: one driver at a time. How each replica steps
/// (one batch at a time, pipeline stages, an MoE lockstep group) lives in <see cref="ReplicaStepping"/>'s
/// subclasses, and the P/D hand-off in <see cref="KvHandoff"/>.
/// </remarks>
public sealed partial class Simulator
{
    private readonly EventQueue _events;
    /// <summary>The last event time a skip may reach (inclusive): +∞ in <see cref="Run"/>, the target in <see cref="AdvanceTo"/>, NaN (no skipping) otherwise.</summary>
    private double _skipLimit = double.NaN;
    private readonly ReplicaState[] _replicas;
    private readonly IReplicaScheduler[] _schedulers;
    /// <summary>
    /// Each rank's execution-time model. One instance serves every rank of a pool and every clone: a model is a
    /// function of the batch shape, except that a <see cref="CorrectedExecutionTimeModel"/>'s correction may be
    /// replaced by its owner between steps (the twin calibrates it live), and then every clone sees the new one.
    /// </summary>
    private readonly IExecutionTimeModel[] _exec;
    /// <summary>For each rank, how it steps; the ranks of a lockstep group share one.</summary>
    private readonly ReplicaStepping[] _stepping;
    /// <summary>The stepping of serially stepping ranks, which owns their decode runs.</summary>
    private SerialStepping _serial = null!;
    /// <summary>For each replica (engine rank), the ranks it steps in lockstep with, itself included.</summary>
    private readonly int[][] _group;
    private IGlobalScheduler _router;
    /// <summary>The replicas new requests are routed to: all of them, or the prefill pool when disaggregated.</summary>
    private readonly ReplicaState[] _entry;
    private readonly KvHandoff _handoff;
    private readonly StepOutputs _outputs;
    private long _nextId;
    private IWorkloadSource? _source;
    private Request? _sourcePending;
    private double _nextSample;

    public Simulator(SimulationOptions options)
    {
        Options = options;
        _events = new EventQueue();
        var layout = RankLayout.Build(options);
        _replicas = layout.Replicas;
        _schedulers = layout.Schedulers;
        _exec = layout.ExecutionTime;
        _group = layout.Groups;
        _entry = _replicas[..layout.EntryRanks];
        _router = GlobalSchedulers.Registry.Create(options.Router, new RouterContext(layout.EntryRanks, options.Seed));
        Random = new SimRandom(options.Seed);
        Metrics = new SimulationMetrics { TimeSeriesInterval = options.TimeSeriesIntervalSeconds };
        _stepping = BuildStepping();
        _handoff = new KvHandoff(this);
        _outputs = new StepOutputs(this, _handoff);
        WireReplicas();
    }

    private Simulator(Simulator source, Dictionary<Request, Request> map, IExecutionTimeModel[] exec, bool metrics = true)
    {
        Request Map(Request r)
        {
            if (!map.TryGetValue(r, out var c)) map[r] = c = r.CloneState();
            return c;
        }
        Options = source.Options;
        _replicas = source._replicas.Select(r => r.CloneWith(Map)).ToArray();
        _entry = _replicas[..source._entry.Length];
        _group = source._group;
        _schedulers = source._schedulers.Select(s => s.Clone()).ToArray();
        // Copied, not shared: a scenario may give one replica of a clone another model (a straggler).
        _exec = (IExecutionTimeModel[])exec.Clone();
        _router = source._router.Clone();
        _events = new EventQueue(source._events, Map);
        _nextId = source._nextId;
        _source = source._source?.Clone();
        _sourcePending = source._sourcePending is null ? null : Map(source._sourcePending);
        _nextSample = source._nextSample;
        Now = source.Now;
        Random = source.Random.Clone();
        // Nothing the simulation does reads its metrics back (scenarios' GPU hours read LastFinish only to report).
        Metrics = metrics ? source.Metrics.Clone() : new SimulationMetrics { TimeSeriesInterval = source.Metrics.TimeSeriesInterval, CountsOnly = true };
        _stepping = BuildStepping();
        _handoff = new KvHandoff(this);
        _outputs = new StepOutputs(this, _handoff);
        WireReplicas();
        _scenario = source._scenario?.Clone(this, Map);
        _routable = source._routable?.Select(r => _replicas[r.Index]).ToArray();
    }

    public SimulationOptions Options { get; }
    /// <summary>The execution-time model's name (e.g. <c>roofline</c>, <c>profile:DIR</c>).</summary>
    public string ExecutionModelName => _exec[0].Name;
    public double Now { get; private set; }
    public SimRandom Random { get; }
    public SimulationMetrics Metrics { get; }
    public IReadOnlyList<ReplicaState> Replicas => _replicas;

    /// <summary>The execution-time model replica <paramref name="replica"/> steps with (run headers name it).</summary>
    public IExecutionTimeModel ExecutionTimeOf(int replica) => _exec[replica];
    public IWorkloadSource? Workload => _source;
    /// <summary>Time of the next event, or null when nothing is scheduled.</summary>
    public double? NextEventTime => _events.TryPeek(out var k) ? k.Time : null;

    /// <summary>Per-request callbacks (not carried over by <see cref="Clone"/>).</summary>
    public ISimulationObserver? Observer { get; set; }

    /// <summary>Every step's shape and time, decode runs included (not carried over by <see cref="Clone"/>).</summary>
    public IStepMeter? StepMeter { get; set; }

    /// <summary>Engine steps advanced inside decode runs rather than as events of their own (tests and benchmarks check the skip happens).</summary>
    internal long SkippedSteps { get; set; }

    /// <summary>Steps decode runs timed, applied or not (a run cut short by an arrival wastes the rest): for benchmarks.</summary>
    internal long ComputedSteps { get; set; }

    /// <summary>Decode runs computed (each costs a check of the replica's state and, unless it is the last, an event): for benchmarks.</summary>
    internal long ComputedRuns { get; set; }

    /// <summary>Replicas that take new requests (the prefill pool's ranks come first when disaggregated).</summary>
    internal int EntryCount => _entry.Length;

    private ReplicaStepping[] BuildStepping()
    {
        var stepping = new ReplicaStepping[_replicas.Length];
        var serial = _serial = new SerialStepping(this);
        for (int i = 0; i < stepping.Length; i++)
        {
            var g = _group[i];
            if (g.Length > 1) stepping[i] = g[0] == i ? new LockstepGroupStepping(this, g) : stepping[g[0]];
            else if (_replicas[i].Spec.PipelineParallel > 1) stepping[i] = new PipelineStepping(this);
            else stepping[i] = serial;
        }
        return stepping;
    }

    private void WireReplicas()
    {
        foreach (var r in _replicas)
        {
            r.OnPreempted = req =>
            {
                Metrics.Preemptions++;
                Observer?.OnPreempted(req, Now);
            };
            r.OnFirstScheduled = req => Observer?.OnScheduled(req, Now);
        }
    }

    /// <summary>Processes the next event; false when there is none. A single step never skips decode steps.</summary>
    public bool Step()
    {
        _skipLimit = double.NaN;
        return Next();
    }

    private bool Next()
    {
        if (!_events.TryPeek(out var key)) return false;
        var ev = _events.Dequeue(key);
        if (Metrics.TimeSeriesInterval > 0 && key.Time >= _nextSample)
        {
            // A sample reads every replica: decode runs (all of them before the sample) are applied first.
            SettleAll(key.Time);
            SampleUntil(key.Time);
        }
        Now = key.Time;
        switch (ev.Kind)
        {
            case EventKind.Arrival: HandleArrival(ev.Request!); break;
            case EventKind.StepEnd: _stepping[ev.Replica].End(_replicas[ev.Replica]); break;
            case EventKind.TransferDone: _handoff.Land(ev.Request!); break;
            case EventKind.Scenario: FireScenario(ev.Replica); break;
            default:
                _replicas[ev.Replica].WakePending = false;
                _stepping[ev.Replica].Start(_replicas[ev.Replica]);
                break;
        }
        return true;
    }

    /// <summary>Processes every event up to and including <paramref name="time"/>, then sets the clock to it.</summary>
    public void AdvanceTo(double time)
    {
        _skipLimit = time;
        while (_events.TryPeek(out var k) && k.Time <= time) Next();
        _skipLimit = double.NaN;
        // Decode runs end by the target (a step ending at it included): the driver reads the state next.
        SettleAll(double.PositiveInfinity);
        if (time > Now)
        {
            if (Metrics.TimeSeriesInterval > 0) SampleUntil(time);
            Now = time;
        }
    }

    /// <summary>Runs until no event is left (the workload is exhausted and every request has finished).</summary>
    public void Run(CancellationToken cancellation = default) => RunUntil(null, cancellation);

    /// <summary>
    /// Runs as <see cref="Run"/> does, but stops after the first event at which <paramref name="stop"/> answers true
    /// (a planner that already knows a candidate's verdict); true when it stopped before the end. Until it stops, the
    /// events are those of <see cref="Run"/>, in the same order.
    /// </summary>
    public bool RunUntil(Func<bool>? stop, CancellationToken cancellation = default)
    {
        int n = 0;
        _skipLimit = double.PositiveInfinity;
        try
        {
            while (Next())
            {
                if (stop is not null && stop()) return true;
                if ((++n & 0xFFFF) == 0) cancellation.ThrowIfCancellationRequested();
            }
            return false;
        }
        finally
        {
            // Runs may reach past the last event taken: they are settled to now, the rest booked as events.
            _skipLimit = double.NaN;
            SettleAll(Now);
        }
    }

    /// <summary>
    /// Processes up to <paramref name="events"/> events as <see cref="Run"/> does (decode runs included, so a step
    /// inside a run is not an event), for drivers that show progress between batches; false when none is left.
    /// </summary>
    public bool RunEvents(int events)
    {
        _skipLimit = double.PositiveInfinity;
        try
        {
            for (int i = 0; i < events; i++)
                if (!Next()) return false;
            return true;
        }
        finally
        {
            // Runs may reach past the last event taken: they are settled to now, the rest booked as events.
            _skipLimit = double.NaN;
            SettleAll(Now);
        }
    }

    /// <summary>An independent copy of the whole simulation (state, clock, random stream, metrics, workload).</summary>
    public Simulator Clone()
    {
        SettleAll(Now);
        return new(this, new Dictionary<Request, Request>(ReferenceEqualityComparer.Instance), _exec);
    }

    /// <summary>
    /// An independent copy, as <see cref="Clone()"/>, that steps with <paramref name="executionTime"/> of each rank's
    /// model instead of sharing it: a copy that runs on another thread while its owner changes a shared model's
    /// correction needs models of its own.
    /// </summary>
    /// <param name="metrics">False: the copy's <see cref="Metrics"/> start at zero and keep counts only, no histograms
    /// (same sampling interval), for a what-if run whose metrics nobody reads (the twin's forks).</param>
    public Simulator Clone(Func<IExecutionTimeModel, IExecutionTimeModel> executionTime, bool metrics = true)
    {
        SettleAll(Now);
        return new(this, new Dictionary<Request, Request>(ReferenceEqualityComparer.Instance), Array.ConvertAll(_exec, m => executionTime(m)), metrics);
    }

    /// <summary>Applies every pending decode run's steps that ended before <paramref name="time"/> (<see cref="DecodeRun"/>).</summary>
    private void SettleAll(double time)
    {
        foreach (var r in _replicas)
            if (ReferenceEquals(_stepping[r.Index], _serial)) _serial.Settle(r, time);
    }

    private void HandleArrival(Request r)
    {
        if (ReferenceEquals(r, _sourcePending)) _sourcePending = null;
        if (r.Status == RequestStatus.Aborted)
        {
            PullSource();
            return;
        }
        Metrics.Arrived++;
        if (double.IsNaN(Metrics.FirstArrival)) Metrics.FirstArrival = Now;
        int maxLen = Options.Replica.MaxModelLen;
        if (r.PromptTokens < 1 || r.OutputTokens < 1 || r.PromptTokens + r.OutputTokens > maxLen)
        {
            r.Status = RequestStatus.Rejected;
            Metrics.Rejected++;
            Observer?.OnRejected(r, Now, r.PromptTokens < 1 || r.OutputTokens < 1
                ? "prompt and output must each be at least 1 token"
                : $"this model's maximum context length is {maxLen} tokens; the request asks for {r.PromptTokens + r.OutputTokens} ({r.PromptTokens} prompt + {r.OutputTokens} output)");
            PullSource();
            return;
        }
        // Routing may read what decode runs change; the chosen replica is read and changed below in any case.
        if (_router.ReadsDecodeProgress) SettleAll(Now);
        int idx = Route(r);
        if (idx < 0) return;
        var replica = _replicas[idx];
        _serial.Settle(replica, Now);
        r.Replica = idx;
        r.Status = RequestStatus.Waiting;
        r.QueuedTime = replica.Busy ? Math.Max(Now, replica.StepEnd) : Now;
        replica.Waiting.PushBack(r);
        Metrics.PromptTokens += r.PromptTokens;
        Observer?.OnArrived(r, Now);
        RequestWake(replica);
        PullSource();
    }

    private void SampleUntil(double time)
    {
        double dt = Metrics.TimeSeriesInterval;
        while (_nextSample <= time)
        {
            foreach (var r in _replicas)
                Metrics.TimeSeries.Add(new TimeSeriesPoint(_nextSample, r.Index, r.Running.Count, r.Waiting.Count, r.Kv.Usage, r.Kv.UsedBlocks, r.PromptTokensServed, r.TokensGenerated));
            _nextSample += dt;
        }
    }
}
