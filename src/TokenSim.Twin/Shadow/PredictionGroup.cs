using TokenSim.Core.Simulation;
using Request = TokenSim.Core.Simulation.Request;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Arrivals whose predictions share one clone and one forward run: the clone was taken at the first one's arrival
/// (stepping at the calibration learned then, on a model of its own), and each later one was submitted to it at its
/// own arrival time.
/// </summary>
internal sealed class PredictionGroup(Simulator clone, double start)
{
    public Simulator Clone { get; } = clone;
    public double Start { get; } = start;
    /// <summary>Clone request id to the request it predicts.</summary>
    public Dictionary<long, ShadowRequest> Targets { get; } = [];
    public SyntheticArrivals Synthetic { get; set; }
    /// <summary>The forward run, once the group is sealed: it touches only the clone and gives the targets it finished.</summary>
    public Task<List<(ShadowRequest Tracked, Request Done)>>? Run { get; set; }
}
