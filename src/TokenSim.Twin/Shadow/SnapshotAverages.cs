using TokenSim.Core.Simulation;
using TokenSim.Twin.Abstractions;
using TokenSim.Twin.Abstractions.Events;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// What engine snapshots reported and what the simulation held at the same instants: the latest observation and
/// running sums, so the status gives observed against simulated means without keeping every snapshot.
/// </summary>
internal sealed class SnapshotAverages
{
    private int? _observedRunning, _observedWaiting;
    private double? _observedKv;
    private int _snapshots, _kvSnapshots;
    private double _obsRunningSum, _simRunningSum, _obsWaitingSum, _simWaitingSum, _simKvSum, _obsKvSum, _simKvAtObsSum;

    public void Add(EngineSnapshotTaken e, ReplicaState simulated)
    {
        _observedRunning = e.Running;
        _observedWaiting = e.Waiting;
        _observedKv = e.KvCacheUsage;
        _snapshots++;
        _obsRunningSum += e.Running;
        _obsWaitingSum += e.Waiting;
        _simRunningSum += simulated.Running.Count;
        _simWaitingSum += simulated.Waiting.Count;
        _simKvSum += simulated.Kv.Usage;
        if (e.KvCacheUsage is { } kv)
        {
            _kvSnapshots++;
            _obsKvSum += kv;
            _simKvAtObsSum += simulated.Kv.Usage;
        }
    }

    public ReplicaStatus Status(int replica, double clock, ReplicaState simulated) => new()
    {
        Replica = replica, ClockSeconds = clock,
        SimulatedRunning = simulated.Running.Count, SimulatedWaiting = simulated.Waiting.Count, SimulatedKvUsage = simulated.Kv.Usage,
        ObservedRunning = _observedRunning, ObservedWaiting = _observedWaiting, ObservedKvUsage = _observedKv,
        Snapshots = _snapshots,
        ObservedRunningMean = _snapshots == 0 ? 0 : _obsRunningSum / _snapshots,
        SimulatedRunningMean = _snapshots == 0 ? 0 : _simRunningSum / _snapshots,
        ObservedWaitingMean = _snapshots == 0 ? 0 : _obsWaitingSum / _snapshots,
        SimulatedWaitingMean = _snapshots == 0 ? 0 : _simWaitingSum / _snapshots,
        KvSnapshots = _kvSnapshots,
        ObservedKvUsageMean = _kvSnapshots == 0 ? null : _obsKvSum / _kvSnapshots,
        SimulatedKvUsageMeanAtObserved = _kvSnapshots == 0 ? null : _simKvAtObsSum / _kvSnapshots,
        SimulatedKvUsageMean = _snapshots == 0 ? 0 : _simKvSum / _snapshots,
    };
}
