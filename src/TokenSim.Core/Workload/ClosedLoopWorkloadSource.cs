using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// A closed loop of <c>concurrency</c> users: each sends its next request the moment its previous one finishes
/// (no think time), until <c>count</c> requests have been sent. Rejected requests do not return a user's slot.
/// </summary>
public sealed class ClosedLoopWorkloadSource(int concurrency, long count, LengthSampler lengths) : IWorkloadSource
{
    private long _emitted;
    private int _inFlight;

    public long? Count => count;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (_emitted >= count || _inFlight >= concurrency) { request = default; return false; }
        var (p, o) = lengths.Sample(random);
        _emitted++;
        _inFlight++;
        request = new RequestSpec(now, p, o);
        return true;
    }

    public void OnFinished(double now) => _inFlight--;

    public IWorkloadSource Clone() => new ClosedLoopWorkloadSource(concurrency, count, lengths) { _emitted = _emitted, _inFlight = _inFlight };
}
