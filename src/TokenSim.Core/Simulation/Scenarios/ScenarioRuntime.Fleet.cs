using TokenSim.Core.Scheduling.Global;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>A scenario's fleet: its pools of replicas, what it may add to them, and what it pays for.</summary>
internal sealed partial class ScenarioRuntime
{
    /// <summary>
    /// GPU-seconds paid for from the scenario's start to <paramref name="until"/>: replicas serving, starting or
    /// draining (a drained replica until the autoscaler's look that finds it empty), each × its GPUs (TP × PP).
    /// </summary>
    public double GpuSeconds(double until)
    {
        double sum = 0;
        for (int i = 0; i < _timeline.Count && _timeline[i].Time < until; i++)
        {
            double next = i + 1 < _timeline.Count ? Math.Min(_timeline[i + 1].Time, until) : until;
            sum += _paidGpus[i] * (next - _timeline[i].Time);
        }
        return sum;
    }

    private static bool Paid(ReplicaPhase p) => p is ReplicaPhase.Serving or ReplicaPhase.Starting or ReplicaPhase.Draining;

    /// <summary>The replicas of a pool: the prefill (entry, or only) pool's, or the decode pool's (disaggregated).</summary>
    private (int From, int To) Pool(bool decode) => decode ? (_sim.EntryCount, _phase.Length) : (0, _sim.EntryCount);

    private int IndexIn(ReplicaPhase phase, (int From, int To) pool, bool last = false)
    {
        for (int k = 0; k < pool.To - pool.From; k++)
        {
            int i = last ? pool.To - 1 - k : pool.From + k;
            if (_phase[i] == phase) return i;
        }
        return -1;
    }

    private int CountIn((int From, int To) pool, Func<ReplicaPhase, bool> which)
    {
        int c = 0;
        for (int i = pool.From; i < pool.To; i++) c += which(_phase[i]) ? 1 : 0;
        return c;
    }

    private void Check(int serving)
    {
        bool disaggregated = _sim.Options.Disaggregated;
        if (!disaggregated)
        {
            int line = _scenario.Events.FirstOrDefault(e => e.Decode)?.Line ?? (_scenario.Autoscale is { Decode: true } a ? a.Line : -1);
            if (line >= 0) throw new FormatException($"{_scenario.Source}:{line}: 'pool: decode' needs a disaggregated deployment (--decode-replicas).");
        }
        foreach (bool decode in disaggregated ? new[] { false, true } : new[] { false })
        {
            var pool = Pool(decode);
            int spare = CountIn(pool, p => p == ReplicaPhase.Off);
            int added = _scenario.Events.Count(e => e.Kind == ScenarioEventKind.ReplicaAdded && e.Decode == decode);
            string what = decode ? "decode replica" : disaggregated ? "prefill replica" : "replica";
            if (added > spare && _scenario.Autoscale?.Decode != decode)
                throw new FormatException($"{_scenario.Source}: {added} replica-added events{(decode ? " (pool: decode)" : "")}, but the deployment has {spare} spare {what} slots (it was built with {pool.To - pool.From}, {(decode ? pool.To - pool.From - spare : serving)} serving).");
        }
        foreach (var e in _scenario.Events)
        {
            // Disaggregated, a prefill or a decode replica may be lost (decode replicas are numbered after the prefill ones).
            int lossRange = _sim.Options.Disaggregated ? _phase.Length : _sim.EntryCount;
            if (e.Replica >= _phase.Length || (e.Replica >= lossRange && e.Kind == ScenarioEventKind.ReplicaLost))
                throw new FormatException($"{_scenario.Source}:{e.Line}: replica {e.Replica} does not exist (replicas 0 to {Math.Min(_phase.Length, lossRange) - 1}).");
            if (e.Kind == ScenarioEventKind.Router && !GlobalSchedulers.Registry.Names.Contains(e.Router!))
                throw new FormatException($"{_scenario.Source}:{e.Line}: unknown router '{e.Router}'. Known: {string.Join(", ", GlobalSchedulers.Registry.Names)}.");
        }
    }

    private void Record()
    {
        int gpus = 0;
        for (int i = 0; i < _phase.Length; i++) gpus += Paid(_phase[i]) ? _gpus[i] : 0;
        var point = new ReplicaCountPoint(_sim.Now, _phase.Count(p => p == ReplicaPhase.Serving), _phase.Count(Paid));
        if (_timeline.Count > 0 && _timeline[^1].Time == point.Time)
        {
            _timeline[^1] = point;
            _paidGpus[^1] = gpus;
        }
        else
        {
            _timeline.Add(point);
            _paidGpus.Add(gpus);
        }
    }

    /// <summary>The entry replicas requests may be routed to; null when that is all of them.</summary>
    private ReplicaState[]? Routable()
    {
        int entry = _sim.EntryCount;
        bool all = true;
        for (int i = 0; i < entry; i++) all &= _phase[i] == ReplicaPhase.Serving;
        return all ? null : _sim.Replicas.Take(entry).Where(r => _phase[r.Index] == ReplicaPhase.Serving).ToArray();
    }
}
