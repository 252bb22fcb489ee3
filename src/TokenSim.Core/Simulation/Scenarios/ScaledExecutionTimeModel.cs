using TokenSim.Core.ExecutionTime;

namespace TokenSim.Core.Simulation.Scenarios;

/// <summary>A straggler's steps: the replica's own model, every step <paramref name="factor"/> times as long.</summary>
internal sealed class ScaledExecutionTimeModel(IExecutionTimeModel inner, double factor) : IExecutionTimeModel
{
    public IExecutionTimeModel Inner => inner;
    public string Name => inner.Name;
    public double StepSeconds(in BatchShape shape) => factor * inner.StepSeconds(shape);

    public void DecodeStepSeconds(in BatchShape first, Span<double> seconds)
    {
        inner.DecodeStepSeconds(first, seconds);
        for (int i = 0; i < seconds.Length; i++) seconds[i] = factor * seconds[i];
    }
}
