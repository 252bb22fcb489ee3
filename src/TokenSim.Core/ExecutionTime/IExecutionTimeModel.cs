using TokenSim.Core.Simulation;

namespace TokenSim.Core.ExecutionTime;

/// <summary>The wall time of one engine step (one forward pass plus per-step overhead) for a batch shape.</summary>
/// <remarks>
/// A pure function of the shape, so one instance serves every rank and every clone of a simulation; the exception,
/// <see cref="CorrectedExecutionTimeModel"/>, carries a correction its owner may replace between steps.
/// </remarks>
public interface IExecutionTimeModel
{
    string Name { get; }
    double StepSeconds(in BatchShape shape);

    /// <summary>
    /// The times of <c>seconds.Length</c> consecutive decode-only steps of one batch (a decode run's segment): step i is
    /// <paramref name="first"/> with every sequence i tokens further on (<see cref="BatchShape.DecodeContext"/> plus
    /// i × <see cref="BatchShape.DecodeCount"/>, <see cref="BatchShape.DecodeAboveMeanContext"/> plus
    /// i × <see cref="BatchShape.DecodeAboveMean"/>). Each is <see cref="StepSeconds"/> of that shape to the bit; a model
    /// overrides this to compute what the steps share once (<see cref="RooflineExecutionTimeModel"/>).
    /// </summary>
    void DecodeStepSeconds(in BatchShape first, Span<double> seconds) => DecodeSteps.OneByOne(this, first, seconds);
}
