using TokenSim.Core.Simulation;

namespace TokenSim.Core.Metrics;

/// <summary>
/// Counts finished requests that meet latency SLOs (DistServe's goodput). A request is good when its TTFT, its
/// TPOT and its E2E are each within the limit set for it; a limit left null is not checked.
/// </summary>
public sealed class SloCounter(double? ttftSeconds, double? tpotSeconds, double? e2eSeconds) : ISimulationObserver
{
    public long Good { get; private set; }
    public long Finished { get; private set; }
    /// <summary>It reads finished requests only, so decode steps may go by in runs.</summary>
    public bool WantsEveryStep => false;

    public void OnFinished(Request r, double now)
    {
        Finished++;
        if ((ttftSeconds is not { } t || r.TtftSeconds <= t) && (tpotSeconds is not { } p || r.TpotSeconds <= p) && (e2eSeconds is not { } e || r.E2eSeconds <= e))
            Good++;
    }

    /// <summary>Share of finished requests that met every SLO.</summary>
    public double Attainment => Finished == 0 ? 0 : (double)Good / Finished;
}
