using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Scheduling.Global;
using TokenSim.Core.Simulation.Scenarios;

namespace TokenSim.Core.Simulation;

/// <summary>What a scenario (<see cref="Scenario"/>) asks of the simulator: its events, the replicas routed to, replicas lost, models and routers replaced.</summary>
public sealed partial class Simulator
{
    private ScenarioRuntime? _scenario;
    /// <summary>The entry replicas a scenario leaves serving; null when all of them are.</summary>
    private ReplicaState[]? _routable;

    /// <summary>
    /// Applies <paramref name="scenario"/> from now on: its times count from <see cref="Now"/>. The first
    /// <paramref name="serving"/> replicas serve (all when negative); the others are slots that replica-added events
    /// and the autoscaler fill. Attach before the workload so that rate and length events reshape it from its first
    /// arrival; attached later, they reshape the arrivals still to be drawn. Disaggregated, the first
    /// <paramref name="servingDecode"/> decode replicas serve (all when negative) and the decode pool's others are
    /// its slots (<c>pool: decode</c>).
    /// </summary>
    public void AttachScenario(Scenario scenario, int serving = -1, int servingDecode = -1)
    {
        if (_scenario is not null) throw new InvalidOperationException("A scenario is already attached.");
        if (serving < 0) serving = _entry.Length;
        if (servingDecode < 0) servingDecode = _replicas.Length - _entry.Length;
        _scenario = new ScenarioRuntime(this, scenario, serving, servingDecode);
        if (_source is not null && scenario.ChangesTraffic) _source = new ScenarioWorkloadSource(_source, scenario.Events, Now);
    }

    /// <summary>Each replica's phase under the attached scenario (all serving without one).</summary>
    public IReadOnlyList<ReplicaPhase> ReplicaPhases => _scenario?.Phases ?? Enumerable.Repeat(ReplicaPhase.Serving, _replicas.Length).ToArray();

    /// <summary>Replicas serving and paid for over time, from the scenario's start (empty without one).</summary>
    public IReadOnlyList<ReplicaCountPoint> ReplicaCounts => _scenario?.Timeline ?? [];

    /// <summary>GPU-hours paid for since the scenario was attached, up to the last request's finish (null without a scenario).</summary>
    public double? GpuHours => _scenario?.GpuSeconds(Math.Min(Now, Math.Max(Metrics.LastFinish, 0))) / 3600;

    /// <summary>The start-up delay a replica added by the scenario or its autoscaler waits, in seconds (null without a scenario).</summary>
    public double? StartupSeconds => _scenario?.StartupSeconds;

    /// <summary>A workload attached after the scenario, reshaped by its rate and length events.</summary>
    private Workload.IWorkloadSource UnderScenario(Workload.IWorkloadSource source) =>
        _scenario is { Scenario.ChangesTraffic: true } s ? new ScenarioWorkloadSource(source, s.Scenario.Events, s.Offset) : source;

    /// <summary>Whether events or arrivals remain (the autoscaler stops looking when none do).</summary>
    internal bool WorkLeft => _events.TryPeek(out _) || _sourcePending is not null;

    internal void BookScenario(double time, int action) => _events.Enqueue(EventKind.Scenario, time, action, null);

    internal void SetExecutionTime(int replica, IExecutionTimeModel model) => _exec[replica] = model;

    /// <summary>
    /// Gives replica <paramref name="replica"/> a model of its own instead of its pool's: a deployment assembled from
    /// replicas whose step times were calibrated apart (a forecast's deployment-wide fork, each replica at its own
    /// correction). Before a scenario is attached: its events rebuild and restore each replica's model from the one it
    /// had then.
    /// </summary>
    public void UseExecutionTime(int replica, IExecutionTimeModel model)
    {
        if (_scenario is not null) throw new InvalidOperationException("Give replicas their own models before attaching a scenario.");
        if (replica < 0 || replica >= _replicas.Length) throw new ArgumentOutOfRangeException(nameof(replica), $"replica {replica} does not exist (0 to {_replicas.Length - 1}).");
        _exec[replica] = model;
    }

    /// <summary>How many times slower replica <paramref name="replica"/>'s links are under the scenario (1 without one).</summary>
    internal double LinkSlowdown(int replica) => _scenario?.SlowLinkFactor(replica) ?? 1;

    internal void SetRouter(string name) => _router = GlobalSchedulers.Registry.Create(name, new RouterContext(_entry.Length, Options.Seed));

    internal void SetRoutable(ReplicaState[]? routable) => _routable = routable;

    internal void Wake(ReplicaState replica) => RequestWake(replica);

    private void FireScenario(int action)
    {
        // The action changes replicas' state or their step times: decode runs are applied up to now first.
        SettleAll(Now);
        _scenario!.Fire(action);
    }

    /// <summary>
    /// Empties a lost replica: each of its requests fails (aborted), or re-enters a serving replica's queue, chosen by
    /// the router as for an arrival, to prefill again (prompt and the tokens generated so far, as after a preemption).
    /// Its step in flight still ends, with its outputs void.
    /// </summary>
    internal void Evacuate(ReplicaState replica, bool fail)
    {
        var requests = replica.Running.Concat(Items(replica.Swapped)).Concat(Items(replica.Waiting)).ToArray();
        foreach (var r in requests)
        {
            if (fail || (_routable ?? _entry).Length == 0)
            {
                Abort(r);
                continue;
            }
            replica.Remove(r);
            Reroute(r);
        }
    }

    /// <summary>
    /// Sends a request whose replica was lost to a serving replica's queue, chosen by the router as for an arrival,
    /// holding no KV: it prefills its prompt and the tokens generated so far again.
    /// </summary>
    private void Reroute(Request r)
    {
        r.NumComputed = 0;
        r.TransferredTokens = 0;
        r.Status = RequestStatus.Waiting;
        var targets = _routable ?? _entry;
        var to = targets[_router.Route(r, targets)];
        _serial.Settle(to, Now);
        r.Replica = to.Index;
        r.QueuedTime = to.Busy ? Math.Max(Now, to.StepEnd) : Now;
        to.Waiting.PushBack(r);
        RequestWake(to);
    }

    private static IEnumerable<Request> Items(RequestDeque queue)
    {
        for (int i = 0; i < queue.Count; i++) yield return queue[i];
    }

    /// <summary>Whether replica <paramref name="index"/> serves (true without a scenario).</summary>
    internal bool IsServing(int index) => _scenario is null || _scenario.Phases[index] == ReplicaPhase.Serving;

    /// <summary>
    /// A disaggregated request whose KV was crossing from a prefill replica lost meanwhile: the transfer fails with
    /// it, so the request is aborted, or routed again to a serving prefill replica to prefill again, as the replica's
    /// loss says for its other requests.
    /// </summary>
    internal void TransferLost(Request r)
    {
        var targets = _routable ?? _entry;
        if (_scenario!.FailsRequests(r.Replica) || targets.Length == 0)
        {
            Abort(r);
            return;
        }
        // The token its prefill sampled never reached the client: it is sampled again.
        r.Generated--;
        Reroute(r);
    }

    /// <summary>The replica the router sends <paramref name="r"/> to among the serving ones; −1 (it is rejected) when none serves.</summary>
    private int Route(Request r)
    {
        var targets = _routable ?? _entry;
        if (targets.Length > 0) return targets[_router.Route(r, targets)].Index;
        RejectUnserved(r);
        return -1;
    }

    /// <summary>An arrival with no serving replica (every one lost or still starting) is turned away.</summary>
    private void RejectUnserved(Request r)
    {
        r.Status = RequestStatus.Rejected;
        Metrics.Rejected++;
        Observer?.OnRejected(r, Now, "no replica is serving");
        PullSource();
    }
}
