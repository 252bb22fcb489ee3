using TokenSim.Core.ExecutionTime;
using TokenSim.Core.Simulation;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// Arrivals whose predictions share one clone and one forward run: the clone was taken at the first one's arrival,
/// and each later one was submitted to it at its own arrival time.
/// </summary>
internal sealed class PredictionGroup(Simulator clone, double start, StepCorrection correction)
{
    public Simulator Clone { get; } = clone;
    public double Start { get; } = start;
    /// <summary>The step correction learned when the clone was taken: the group runs at it, not at one learned since.</summary>
    public StepCorrection Correction { get; } = correction;
    /// <summary>Clone request id to the request it predicts.</summary>
    public Dictionary<long, ShadowRequest> Targets { get; } = [];
    public SyntheticArrivals Synthetic { get; set; }
}
