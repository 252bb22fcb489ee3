using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Scheduling.Global;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>
/// A scenario attached to one simulator: the replicas' phases, the slow-downs in force, the KV taken away, the
/// autoscaler's state and the fleet's cost so far. Its actions are simulator events (<see cref="EventKind.Scenario"/>),
/// so every driver (a run, <see cref="Simulator.AdvanceTo"/>, a clone) applies them at their time.
/// </summary>
internal sealed class ScenarioRuntime
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
    private readonly int _gpusPerReplica;
    private double _lastUp = double.NegativeInfinity, _lastChange = double.NegativeInfinity;
    private readonly double _startup;

    public ScenarioRuntime(Simulator sim, Scenario scenario, int serving)
    {
        _sim = sim;
        _scenario = scenario;
        _offset = sim.Now;
        int n = sim.Replicas.Count;
        _phase = new ReplicaPhase[n];
        // Spare slots are entry replicas; a disaggregated deployment's decode pool (numbered after them) serves.
        for (int i = serving; i < sim.EntryCount; i++) _phase[i] = ReplicaPhase.Off;
        _base = Enumerable.Range(0, n).Select(sim.ExecutionTimeOf).ToArray();
        _straggle = Enumerable.Repeat(1.0, n).ToArray();
        _slowLink = Enumerable.Repeat(1.0, n).ToArray();
        _kvHeld = [];
        _timeline = [];
        _actions = [];
        _pending = new();
        var spec = sim.Options.Replica;
        _gpusPerReplica = spec.TensorParallel * spec.PipelineParallel;
        _startup = scenario.Autoscale?.StartupSeconds ?? StartupDelay.Seconds(spec);
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
        (_scenario, _offset, _gpusPerReplica, _startup) = (s._scenario, s._offset, s._gpusPerReplica, s._startup);
        _actions = [.. s._actions];
        _pending = new(s._pending.UnorderedItems);
        _phase = (ReplicaPhase[])s._phase.Clone();
        _base = s._base;
        _straggle = (double[])s._straggle.Clone();
        _slowLink = (double[])s._slowLink.Clone();
        _kvHeld = s._kvHeld.ToDictionary(kv => kv.Key, kv => map(kv.Value));
        _failed = [.. s._failed];
        _timeline = [.. s._timeline];
        (_lastUp, _lastChange) = (s._lastUp, s._lastChange);
    }

    public ScenarioRuntime Clone(Simulator sim, Func<Request, Request> map) => new(this, sim, map);

    public Scenario Scenario => _scenario;
    /// <summary>The simulated time the scenario's times count from.</summary>
    public double Offset => _offset;
    public IReadOnlyList<ReplicaPhase> Phases => _phase;
    public IReadOnlyList<ReplicaCountPoint> Timeline => _timeline;
    /// <summary>The start-up delay a new replica waits before it serves, in seconds.</summary>
    public double StartupSeconds => _startup;
    /// <summary>Time of the next scenario action, or +∞: decode runs must not step past it.</summary>
    public double NextTime => _pending.TryPeek(out _, out double t) ? t : double.PositiveInfinity;

    /// <summary>
    /// GPU-seconds paid for from the scenario's start to <paramref name="until"/>: replicas serving, starting or
    /// draining (a drained replica until the autoscaler's look that finds it empty), × GPUs per replica.
    /// </summary>
    public double GpuSeconds(double until)
    {
        double sum = 0;
        for (int i = 0; i < _timeline.Count && _timeline[i].Time < until; i++)
        {
            double next = i + 1 < _timeline.Count ? Math.Min(_timeline[i + 1].Time, until) : until;
            sum += _timeline[i].Provisioned * (next - _timeline[i].Time);
        }
        return sum * _gpusPerReplica;
    }

    private int Provisioned => _phase.Count(p => p is ReplicaPhase.Serving or ReplicaPhase.Starting or ReplicaPhase.Draining);

    private void Check(int serving)
    {
        var spare = _phase.Count(p => p == ReplicaPhase.Off);
        int added = _scenario.Events.Count(e => e.Kind == ScenarioEventKind.ReplicaAdded);
        if (added > spare && _scenario.Autoscale is null)
            throw new FormatException($"{_scenario.Source}: {added} replica-added events, but the deployment has {spare} spare replica slots (it was built with {_phase.Length}, {serving} serving).");
        foreach (var e in _scenario.Events)
        {
            // Disaggregated, a prefill or a decode replica may be lost (decode replicas are numbered after the prefill ones).
            int lossRange = _sim.Options.Disaggregated ? _phase.Length : _sim.EntryCount;
            if (e.Replica >= _phase.Length || (e.Replica >= lossRange && e.Kind == ScenarioEventKind.ReplicaLost))
                throw new FormatException($"{_scenario.Source}:{e.Line}: replica {e.Replica} does not exist (replicas 0 to {Math.Min(_phase.Length, lossRange) - 1}).");
            if (e.Kind == ScenarioEventKind.Router && !GlobalSchedulers.Registry.Names.Contains(e.Router!))
                throw new FormatException($"{_scenario.Source}:{e.Line}: unknown router '{e.Router}'. Known: {string.Join(", ", GlobalSchedulers.Registry.Names)}.");
        }
        if (_sim.Options.Disaggregated && (_scenario.Events.Any(e => e.Kind == ScenarioEventKind.ReplicaAdded) || _scenario.Autoscale is not null))
            throw new FormatException($"{_scenario.Source}: replicas added or autoscaled are not simulated for disaggregated (prefill/decode) deployments (a lost one is).");
    }

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
            case ScenarioEventKind.ReplicaAdded: Add(e.StartupSeconds ?? _startup); break;
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

    /// <summary>Whether a lost replica's requests fail rather than being routed again (false for a replica not lost).</summary>
    public bool FailsRequests(int replica) => _failed.Contains(replica);

    private void Lose(int replica, bool fail)
    {
        if (_phase[replica] == ReplicaPhase.Lost) return;
        if (fail) _failed.Add(replica);
        SetPhase(replica, ReplicaPhase.Lost);
        _sim.Evacuate(_sim.Replicas[replica], fail);
    }

    /// <summary>Provisions a replica: a draining one is kept instead (it is warm), else the first free slot starts up.</summary>
    private bool Add(double startup)
    {
        int draining = Array.IndexOf(_phase, ReplicaPhase.Draining);
        if (draining >= 0)
        {
            SetPhase(draining, ReplicaPhase.Serving);
            return true;
        }
        int slot = Array.IndexOf(_phase, ReplicaPhase.Off);
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
        double metric = AutoscaleReading.Read(policy.Metric, _sim, _phase, now);
        int active = _phase.Count(p => p is ReplicaPhase.Serving or ReplicaPhase.Starting);
        if (metric > policy.Up && active < policy.MaxReplicas && now - _lastUp >= policy.UpCooldownSeconds)
        {
            if (Add(_startup)) _lastUp = _lastChange = now;
        }
        else if (metric < policy.Down && active > policy.MinReplicas && now - _lastChange >= policy.DownCooldownSeconds)
        {
            int victim = Array.LastIndexOf(_phase, ReplicaPhase.Serving);
            if (victim >= 0 && _phase.Count(p => p == ReplicaPhase.Serving) > 1)
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

    private void Record()
    {
        var point = new ReplicaCountPoint(_sim.Now, _phase.Count(p => p == ReplicaPhase.Serving), Provisioned);
        if (_timeline.Count > 0 && _timeline[^1].Time == point.Time) _timeline[^1] = point;
        else _timeline.Add(point);
    }

    /// <summary>The entry replicas requests may be routed to; null when that is all of them.</summary>
    private ReplicaState[]? Routable()
    {
        int entry = _sim.EntryCount;
        bool all = true;
        for (int i = 0; i < entry; i++) all &= _phase[i] == ReplicaPhase.Serving;
        return all ? null : _sim.Replicas.Take(entry).Where(r => _phase[r.Index] == ReplicaPhase.Serving).ToArray();
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
            model = (_sim.Options.ExecutionTime ?? (s => new RooflineExecutionTimeModel(s)))(slow);
        }
        if (_straggle[replica] != 1) model = new ScaledExecutionTimeModel(model, _straggle[replica]);
        _sim.SetExecutionTime(replica, model);
    }
}
