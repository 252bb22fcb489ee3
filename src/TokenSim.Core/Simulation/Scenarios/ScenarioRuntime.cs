using TokenSim.Core.ExecutionTime;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A scenario attached to one simulator: the replicas' phases, the slow-downs in force, the KV taken away, the
/// autoscaler's state and the fleet's cost so far. Its actions are simulator events (<see cref="EventKind.Scenario"/>),
/// so every driver (a run, <see cref="Simulator.AdvanceTo"/>, a clone) applies them at their time.
/// </summary>
internal sealed partial class ScenarioRuntime
{
    /// <summary>One thing to do at a time: an event starts or ends, a new replica becomes ready, the autoscaler looks.</summary>
    private readonly record struct Action(ActionKind Kind, int Event, int Replica);

    private enum ActionKind : byte { Start, End, Ready, Tick }

    private readonly Simulator _sim;
    private readonly Scenario _scenario;
    private readonly double _offset;
    private readonly List<Action> _actions;
    private readonly PriorityQueue<int, double> _pending;
    private readonly ReplicaPhase[] _phase;
    private readonly IExecutionTimeModel[] _base;
    private readonly double[] _straggle, _slowLink;
    private readonly Dictionary<int, Request> _kvHeld;
    /// <summary>Lost replicas whose requests fail (requests: fail).</summary>
    private readonly HashSet<int> _failed = [];
    private readonly List<ReplicaCountPoint> _timeline;
    /// <summary>GPUs paid for at each point of <see cref="_timeline"/> (the pools' replicas may differ in TP × PP).</summary>
    private readonly List<int> _paidGpus;
    private readonly int[] _gpus;
    private double _lastUp = double.NegativeInfinity, _lastChange = double.NegativeInfinity;
    /// <summary>Start-up delays of a new prefill (or only) replica and of a new decode replica.</summary>
    private readonly double _startup, _decodeStartup;

    /// <param name="serving">Entry (prefill) replicas serving at the start; the pool's others are spare slots.</param>
    /// <param name="servingDecode">Decode replicas serving at the start (disaggregated); the decode pool's others are spare slots.</param>
    public ScenarioRuntime(Simulator sim, Scenario scenario, int serving, int servingDecode)
    {
        _sim = sim;
        _scenario = scenario;
        _offset = sim.Now;
        int n = sim.Replicas.Count;
        _phase = new ReplicaPhase[n];
        // Spare slots are entry replicas; a disaggregated deployment's decode pool (numbered after them) serves.
        for (int i = serving; i < sim.EntryCount; i++) _phase[i] = ReplicaPhase.Off;
        for (int i = sim.EntryCount + servingDecode; i < n; i++) _phase[i] = ReplicaPhase.Off;
        _base = Enumerable.Range(0, n).Select(sim.ExecutionTimeOf).ToArray();
        _straggle = Enumerable.Repeat(1.0, n).ToArray();
        _slowLink = Enumerable.Repeat(1.0, n).ToArray();
        _kvHeld = [];
        _timeline = [];
        _paidGpus = [];
        _actions = [];
        _pending = new();
        _gpus = sim.Replicas.Select(r => r.Spec.TensorParallel * r.Spec.PipelineParallel).ToArray();
        _startup = scenario.Autoscale?.StartupSeconds ?? StartupDelay.Seconds(sim.Options.Replica);
        _decodeStartup = scenario.Autoscale?.StartupSeconds ?? StartupDelay.Seconds(sim.Options.DecodeReplica ?? sim.Options.Replica);
        Check(serving);
        for (int e = 0; e < scenario.Events.Count; e++)
        {
            var ev = scenario.Events[e];
            if (ev.Kind is ScenarioEventKind.Rate or ScenarioEventKind.Lengths) continue;
            Book(new Action(ActionKind.Start, e, ev.Replica), ev.At);
            if (double.IsFinite(ev.Until) && ev.Kind is ScenarioEventKind.Straggler or ScenarioEventKind.KvLoss or ScenarioEventKind.SlowLink)
                Book(new Action(ActionKind.End, e, ev.Replica), ev.Until);
        }
        if (scenario.Autoscale is { } a) Book(new Action(ActionKind.Tick, -1, -1), a.IntervalSeconds);
        Record();
        sim.SetRoutable(Routable());
    }

    private ScenarioRuntime(ScenarioRuntime s, Simulator sim, Func<Request, Request> map)
    {
        _sim = sim;
        (_scenario, _offset, _gpus, _startup, _decodeStartup) = (s._scenario, s._offset, s._gpus, s._startup, s._decodeStartup);
        _actions = [.. s._actions];
        _pending = new(s._pending.UnorderedItems);
        _phase = (ReplicaPhase[])s._phase.Clone();
        _base = s._base;
        _straggle = (double[])s._straggle.Clone();
        _slowLink = (double[])s._slowLink.Clone();
        _kvHeld = s._kvHeld.ToDictionary(kv => kv.Key, kv => map(kv.Value));
        _failed = [.. s._failed];
        _timeline = [.. s._timeline];
        _paidGpus = [.. s._paidGpus];
        (_lastUp, _lastChange) = (s._lastUp, s._lastChange);
    }

    public ScenarioRuntime Clone(Simulator sim, Func<Request, Request> map) => new(this, sim, map);

    public Scenario Scenario => _scenario;
    /// <summary>The simulated time the scenario's times count from.</summary>
    public double Offset => _offset;
    public IReadOnlyList<ReplicaPhase> Phases => _phase;
    public IReadOnlyList<ReplicaCountPoint> Timeline => _timeline;
    /// <summary>The start-up delay a new (prefill, or only) replica waits before it serves, in seconds.</summary>
    public double StartupSeconds => _startup;
    /// <summary>Time of the next scenario action, or +∞: decode runs must not step past it.</summary>
    public double NextTime => _pending.TryPeek(out _, out double t) ? t : double.PositiveInfinity;

    private void Book(Action a, double at)
    {
        _actions.Add(a);
        double t = _offset + at;
        _pending.Enqueue(_actions.Count - 1, t);
        _sim.BookScenario(t, _actions.Count - 1);
    }

    private void BookAbsolute(Action a, double t) => Book(a, t - _offset);

    /// <summary>Does action <paramref name="index"/>, whose time has come (the simulator has settled every replica to now).</summary>
    public void Fire(int index)
    {
        _pending.Dequeue();
        var a = _actions[index];
        if (a.Kind == ActionKind.Tick)
        {
            Tick();
            return;
        }
        if (a.Kind == ActionKind.Ready)
        {
            if (_phase[a.Replica] == ReplicaPhase.Starting) SetPhase(a.Replica, ReplicaPhase.Serving);
            return;
        }
        var e = _scenario.Events[a.Event];
        bool start = a.Kind == ActionKind.Start;
        switch (e.Kind)
        {
            case ScenarioEventKind.ReplicaLost: Lose(e.Replica, e.FailRequests); break;
            case ScenarioEventKind.ReplicaAdded: Add(e.Decode, e.StartupSeconds ?? StartupOf(e.Decode)); break;
            case ScenarioEventKind.Straggler:
                _straggle[e.Replica] = start ? _straggle[e.Replica] * e.Factor : _straggle[e.Replica] / e.Factor;
                Remodel(e.Replica);
                break;
            case ScenarioEventKind.SlowLink:
                _slowLink[e.Replica] = start ? _slowLink[e.Replica] * e.Factor : _slowLink[e.Replica] / e.Factor;
                Remodel(e.Replica);
                break;
            case ScenarioEventKind.KvLoss:
                if (start) _kvHeld[a.Event] = KvCapacityLoss.Take(_sim, _sim.Replicas[e.Replica], e.Fraction, a.Event);
                else if (_kvHeld.Remove(a.Event, out var held)) KvCapacityLoss.Give(_sim, _sim.Replicas[e.Replica], held);
                break;
            case ScenarioEventKind.Router: _sim.SetRouter(e.Router!); break;
        }
    }

    /// <summary>How many times slower the replica's links run now (slow-link events in force; 1 for none).</summary>
    public double SlowLinkFactor(int replica) => _slowLink[replica];

    /// <summary>Whether a lost replica's requests fail rather than being routed again (false for a replica not lost).</summary>
    public bool FailsRequests(int replica) => _failed.Contains(replica);

    private void Lose(int replica, bool fail)
    {
        if (_phase[replica] == ReplicaPhase.Lost) return;
        if (fail) _failed.Add(replica);
        SetPhase(replica, ReplicaPhase.Lost);
        _sim.Evacuate(_sim.Replicas[replica], fail);
    }

    private double StartupOf(bool decode) => decode ? _decodeStartup : _startup;

    /// <summary>Provisions a replica in a pool: a draining one is kept instead (it is warm), else the pool's first free slot starts up.</summary>
    private bool Add(bool decode, double startup)
    {
        var pool = Pool(decode);
        int draining = IndexIn(ReplicaPhase.Draining, pool);
        if (draining >= 0)
        {
            SetPhase(draining, ReplicaPhase.Serving);
            return true;
        }
        int slot = IndexIn(ReplicaPhase.Off, pool);
        if (slot < 0) return false;
        SetPhase(slot, ReplicaPhase.Starting);
        BookAbsolute(new Action(ActionKind.Ready, -1, slot), _sim.Now + startup);
        return true;
    }

    private void Tick()
    {
        var policy = _scenario.Autoscale!;
        double now = _sim.Now;
        for (int i = 0; i < _phase.Length; i++)
            if (_phase[i] == ReplicaPhase.Draining && _sim.Replicas[i].Outstanding == 0) SetPhase(i, ReplicaPhase.Off);
        // The policy reads and scales one pool: the prefill (entry, or only) pool, or the decode pool.
        var pool = Pool(policy.Decode);
        double metric = AutoscaleReading.Read(policy.Metric, _sim, _phase, now, pool.From, pool.To);
        int active = CountIn(pool, p => p is ReplicaPhase.Serving or ReplicaPhase.Starting);
        if (metric > policy.Up && active < policy.MaxReplicas && now - _lastUp >= policy.UpCooldownSeconds)
        {
            if (Add(policy.Decode, StartupOf(policy.Decode))) _lastUp = _lastChange = now;
        }
        else if (metric < policy.Down && active > policy.MinReplicas && now - _lastChange >= policy.DownCooldownSeconds)
        {
            int victim = IndexIn(ReplicaPhase.Serving, pool, last: true);
            if (victim >= 0 && CountIn(pool, p => p == ReplicaPhase.Serving) > 1)
            {
                SetPhase(victim, _sim.Replicas[victim].Outstanding == 0 ? ReplicaPhase.Off : ReplicaPhase.Draining);
                _lastChange = now;
            }
        }
        // Looks again while anything is left to simulate; the last look ends the autoscaler with the run.
        if (_sim.WorkLeft || _phase.Contains(ReplicaPhase.Draining)) BookAbsolute(new Action(ActionKind.Tick, -1, -1), now + policy.IntervalSeconds);
    }

    private void SetPhase(int replica, ReplicaPhase phase)
    {
        _phase[replica] = phase;
        Record();
        _sim.SetRoutable(Routable());
    }

    /// <summary>The replica's model: rebuilt for slower links, stretched for a straggler.</summary>
    private void Remodel(int replica)
    {
        var model = _base[replica];
        if (_slowLink[replica] != 1)
        {
            var spec = _sim.Replicas[replica].Spec;
            var hw = spec.Hardware;
            double k = _slowLink[replica];
            Entities.LinkSpec? Slow(Entities.LinkSpec? l) => l is null ? null : l with { BandwidthBytesPerSecond = l.BandwidthBytesPerSecond / k };
            var slow = spec with { Hardware = hw with { IntraNodeLink = Slow(hw.IntraNodeLink)!, InterNode = Slow(hw.InterNode), Pcie = Slow(hw.Pcie) }, SwapLink = Slow(spec.SwapLink) };
            var rebuilt = (_sim.Options.ExecutionTime ?? (s => new RooflineExecutionTimeModel(s)))(slow);
            // A corrected model (the twin's calibration, or a forecast seed's drawn engine error) keeps its correction:
            // only the links change. Rebuilt from the factory, it would step at whatever correction the factory gives.
            if (model is CorrectedExecutionTimeModel c)
                rebuilt = new CorrectedExecutionTimeModel(rebuilt is CorrectedExecutionTimeModel r ? r.Inner : rebuilt, c.Correction);
            model = rebuilt;
        }
        if (_straggle[replica] != 1) model = new ScaledExecutionTimeModel(model, _straggle[replica]);
        _sim.SetExecutionTime(replica, model);
    }
}
