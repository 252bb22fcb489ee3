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

    /// <summary>
    /// Consecutive steps of a decode run, as one <see cref="OnStep"/> call each: step i (from 0) has the shape
    /// <paramref name="first"/> with every decode i tokens further on (its decode context grown by i per decode, and so
    /// the context above the mean by i per decode above it), and runs from <paramref name="starts"/>[i] for
    /// <paramref name="seconds"/>[i]. A meter whose sums are linear in the context can add them without a shape per step.
    /// </summary>
    void OnDecodeSteps(int replica, in BatchShape first, ReadOnlySpan<double> starts, ReadOnlySpan<double> seconds)
    {
        var shape = first;
        for (int i = 0; i < seconds.Length; i++)
        {
            shape.DecodeContext = first.DecodeContext + (long)i * first.DecodeCount;
            shape.DecodeAboveMeanContext = first.DecodeAboveMeanContext + (long)i * first.DecodeAboveMean;
            OnStep(replica, shape, starts[i], seconds[i]);
        }
    }
}
