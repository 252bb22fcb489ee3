using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>Watches a prediction's clone for the requests it predicts, by clone request id, as each finishes.</summary>
internal sealed class TargetWatch(Dictionary<long, ShadowRequest> targets) : ISimulationObserver
{
    public List<(ShadowRequest Tracked, Request Done)> Finished { get; } = [];
    public int Pending => targets.Count - Finished.Count;

    public void OnFinished(Request r, double now)
    {
        if (targets.TryGetValue(r.Id, out var tracked)) Finished.Add((tracked, r));
    }

    public void OnRejected(Request r, double now, string reason)
    {
        if (targets.ContainsKey(r.Id)) throw new InvalidOperationException($"The simulation rejected request {r.Id}: {reason}.");
    }
}
