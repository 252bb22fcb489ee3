using TokenSim.Core.Randomness;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Workload;

/// <summary>
/// A stream of requests in arrival order. The simulator pulls one at a time, so a million-request workload never
/// sits in memory. Sources that react to completions (closed loop) learn of each finish through
/// <see cref="OnFinished"/> and may answer <c>false</c> from <see cref="TryNext"/> until one happens.
/// </summary>
public interface IWorkloadSource
{
    /// <summary>Requests this source will produce in all, when known.</summary>
    long? Count { get; }

    /// <summary>The next request (arriving at or after <paramref name="now"/>), or false when none is due yet or ever.</summary>
    bool TryNext(double now, SimRandom random, out RequestSpec request);

    void OnFinished(double now) { }

    /// <summary>
    /// True when no arrival depends on a finish (a trace, a generated or measured arrival process): the simulator may
    /// then advance runs of decode steps in one go without asking the source in between. A closed loop answers false.
    /// </summary>
    bool OpenLoop => false;

    IWorkloadSource Clone();
}
