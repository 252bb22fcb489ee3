namespace TokenSim.Core.Simulation;

/// <summary>
/// Optional per-request callbacks, for drivers that need every token's time (the emulator, request CSV output).
/// Called synchronously from the event loop at simulated time <c>now</c>.
/// </summary>
public interface ISimulationObserver
{
    void OnArrived(Request r, double now) { }
    void OnRejected(Request r, double now, string reason) { }
    void OnScheduled(Request r, double now) { }
    /// <summary>A prefill chunk of <paramref name="tokens"/> (prompt, or prompt plus generated tokens after a preemption) finished at <paramref name="now"/>.</summary>
    void OnPrefillChunk(Request r, int tokens, double now) { }
    /// <summary>The request's token number <see cref="Request.Generated"/> (1-based) was produced at <paramref name="now"/>.</summary>
    void OnToken(Request r, double now) { }
    void OnPreempted(Request r, double now) { }
    void OnFinished(Request r, double now) { }
    /// <summary>The request was withdrawn (<see cref="Simulator.Abort"/>) before it finished.</summary>
    void OnAborted(Request r, double now) { }
    /// <summary>Replica <paramref name="replica"/> starts a step of shape <paramref name="shape"/> lasting <paramref name="seconds"/>.</summary>
    void OnStep(int replica, in BatchShape shape, double start, double seconds) { }

    /// <summary>
    /// True (the default) when the observer needs <see cref="OnToken"/> and <see cref="OnStep"/> for every step as it
    /// happens: the simulator then steps one event at a time. An observer that only counts arrivals, admissions,
    /// preemptions and finishes answers false, and runs of decode steps go by in one go without those two callbacks (nor
    /// <see cref="OnPrefillChunk"/> for a prompt's last chunk, whose step a run may begin with). A
    /// request that finishes inside such a run is reported when the run is applied, with its own finish time as
    /// <c>now</c>: in finish order per replica, but not across replicas.
    /// </summary>
    bool WantsEveryStep => true;
}
