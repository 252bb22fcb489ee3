namespace TokenSim.Core.Simulation;

/// <summary>Forwards every callback to several observers, in order.</summary>
public sealed class CompositeObserver(params ISimulationObserver[] observers) : ISimulationObserver
{
    public void OnArrived(Request r, double now) { foreach (var o in observers) o.OnArrived(r, now); }
    public void OnRejected(Request r, double now, string reason) { foreach (var o in observers) o.OnRejected(r, now, reason); }
    public void OnScheduled(Request r, double now) { foreach (var o in observers) o.OnScheduled(r, now); }
    public void OnPrefillChunk(Request r, int tokens, double now) { foreach (var o in observers) o.OnPrefillChunk(r, tokens, now); }
    public void OnToken(Request r, double now) { foreach (var o in observers) o.OnToken(r, now); }
    public void OnPreempted(Request r, double now) { foreach (var o in observers) o.OnPreempted(r, now); }
    public void OnAborted(Request r, double now) { foreach (var o in observers) o.OnAborted(r, now); }
    public void OnFinished(Request r, double now) { foreach (var o in observers) o.OnFinished(r, now); }
    public void OnStep(int replica, in BatchShape shape, double start, double seconds) { foreach (var o in observers) o.OnStep(replica, shape, start, seconds); }
    public bool WantsEveryStep { get; } = observers.Any(o => o.WantsEveryStep);
}
