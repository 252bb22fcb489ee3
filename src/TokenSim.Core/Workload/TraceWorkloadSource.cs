using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>Replays a fixed list of requests in arrival order (a trace as-is).</summary>
public sealed class TraceWorkloadSource : IWorkloadSource
{
    private readonly RequestSpec[] _requests;
    private int _next;

    public TraceWorkloadSource(IEnumerable<RequestSpec> requests)
    {
        // A stable sort keeps the file's order for equal timestamps.
        _requests = requests.Select((r, i) => (r, i)).OrderBy(x => x.r.ArrivalTime).ThenBy(x => x.i).Select(x => x.r).ToArray();
    }

    /// <summary>
    /// A source over <paramref name="requests"/> that shares the array (it is only read) when it is already in time
    /// order, else sorts a copy as the constructor does: a planner replays one traffic to many candidates, and sorting
    /// 12,000 arrivals again for each was a seventh of a stopped simulation's time.
    /// </summary>
    public static TraceWorkloadSource Over(RequestSpec[] requests)
    {
        for (int i = 1; i < requests.Length; i++)
            if (!(requests[i].ArrivalTime >= requests[i - 1].ArrivalTime)) return new TraceWorkloadSource(requests);
        return new TraceWorkloadSource(requests, 0);
    }

    private TraceWorkloadSource(RequestSpec[] requests, int next)
    {
        _requests = requests;
        _next = next;
    }

    public long? Count => _requests.Length;

    public bool OpenLoop => true;

    public bool TryNext(double now, SimRandom random, out RequestSpec request)
    {
        if (_next >= _requests.Length) { request = default; return false; }
        request = _requests[_next++];
        return true;
    }

    public IWorkloadSource Clone() => new TraceWorkloadSource(_requests, _next);
}
