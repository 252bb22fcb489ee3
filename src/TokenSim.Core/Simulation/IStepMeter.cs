namespace TokenSim.Core.Simulation;

/// <summary>
/// Sees every engine step's shape and time, including the steps a decode run advances in one go (which an
/// <see cref="ISimulationObserver"/> only sees by asking for every step, at the cost of the skip). For accounting that
/// sums over steps and needs no request callbacks, such as energy.
/// </summary>
public interface IStepMeter
{
    /// <summary>Replica <paramref name="replica"/> ran a step of shape <paramref name="shape"/> from <paramref name="start"/> for <paramref name="seconds"/>.</summary>
    void OnStep(int replica, in BatchShape shape, double start, double seconds);
}
